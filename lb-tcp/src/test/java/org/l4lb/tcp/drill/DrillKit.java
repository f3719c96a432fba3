package org.l4lb.tcp.drill;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.l4lb.drillkit.DrillBackend;

/** The command line that runs one of the drill kit's programs (org.l4lb.drillkit) in a namespace. */
final class DrillKit {

    private DrillKit() {
    }

    /**
     * Runs a drill only where asked (L4LB_DRILLS=1), as root, with {@code tools} installed: else it
     * is skipped, saying why, or fails where it is required (L4LB_REQUIRE_DRILLS=1).
     */
    static void gate(String drill, String... tools) {
        org.junit.jupiter.api.Assumptions.assumeTrue("1".equals(System.getenv("L4LB_DRILLS")),
                "the " + drill + " is opt-in: L4LB_DRILLS=1 (needs root, network namespaces and " + String.join(", ", tools) + ")");
        String missing = "root".equals(System.getProperty("user.name")) ? null : "not running as root";
        for (String tool : tools) {
            if (missing == null && Sh.run("sh", "-c", "command -v " + tool).code() != 0) {
                missing = tool + " is not installed";
            }
        }
        if (missing != null) {
            if ("1".equals(System.getenv("L4LB_REQUIRE_DRILLS"))) {
                throw new IllegalStateException("the " + drill + " is required here but " + missing);
            }
            org.junit.jupiter.api.Assumptions.abort("the " + drill + " skipped: " + missing);
        }
    }

    static List<String> inNamespace(String ns, Class<?> program, String... args) {
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", ns,
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-XX:+UseSerialGC", "-cp",
                classesDir().toString(), program.getName()));
        cmd.addAll(List.of(args));
        return cmd;
    }

    /** test-classes: the kit is compiled with the tests and needs nothing but the JDK. */
    private static Path classesDir() {
        try {
            return Path.of(DrillBackend.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}

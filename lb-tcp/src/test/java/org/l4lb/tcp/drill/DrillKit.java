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

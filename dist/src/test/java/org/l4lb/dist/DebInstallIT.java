package org.l4lb.dist;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The .deb installed by apt on a bare Debian (a container of {@code L4LB_BASE_IMAGE}): its Java
 * comes as a dependency, the l4lb user and /var/lib/l4lb exist, /usr/bin/l4lb checks the shipped
 * configuration, and a removal leaves the edited configuration (a conffile). Skipped without a
 * Docker engine, or fails with {@code L4LB_REQUIRE_DOCKER=1}.
 */
class DebInstallIT {

    private static String run(List<String> command, long seconds) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(seconds, TimeUnit.SECONDS)).isTrue();
        return p.exitValue() + "\n" + out;
    }

    @Test
    void aptInstallsItOnABareDebian() throws Exception {
        String base = System.getenv().getOrDefault("L4LB_BASE_IMAGE", "debian:bookworm");
        boolean docker;
        try {
            docker = run(List.of("docker", "image", "inspect", base), 30).startsWith("0\n");
        } catch (java.io.IOException e) {
            docker = false;
        }
        if (!docker) {
            String why = "no Docker engine with the image " + base + " (L4LB_BASE_IMAGE)";
            if ("1".equals(System.getenv("L4LB_REQUIRE_DOCKER"))) {
                Assertions.fail(why + "; L4LB_REQUIRE_DOCKER=1 makes this a failure");
            }
            Assumptions.abort(why);
        }
        Path deb;
        try (Stream<Path> s = Files.list(Path.of("target").toAbsolutePath())) {
            deb = s.filter(p -> p.getFileName().toString().matches("l4lb_.*_all\\.deb")).findFirst().orElseThrow();
        }
        String script = String.join(" && ",
                "export DEBIAN_FRONTEND=noninteractive",
                "apt-get update -qq",
                "apt-get install -y -qq /tmp/l4lb.deb >/dev/null",
                "id l4lb",
                "stat -c '%U %a' /var/lib/l4lb",
                "readlink -f /usr/bin/l4lb",
                "l4lb --check /etc/l4lb/l4lb.conf",
                "echo '# edited' >> /etc/l4lb/l4lb.conf",
                "apt-get remove -y -qq l4lb >/dev/null",
                "tail -1 /etc/l4lb/l4lb.conf",
                "test ! -e /usr/bin/l4lb && echo launcher-removed");
        String out = run(List.of("docker", "run", "--rm", "-v", deb + ":/tmp/l4lb.deb:ro", base, "sh", "-c", script), 600);
        assertThat(out).startsWith("0\n").contains("uid=").contains("(l4lb)").contains("l4lb 750")
                .contains("/usr/share/l4lb/bin/l4lb").contains("/etc/l4lb/l4lb.conf: configuration is ok (1 service(s))")
                .contains("# edited").contains("launcher-removed");
    }
}

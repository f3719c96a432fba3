package org.l4lb.dist;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packages as a user gets them: the tar.gz unpacked and its launcher run (flags carried and
 * overridable, a node relaying random bytes byte for byte), the .deb's control data, files and
 * maintainer scripts, and its launcher and configuration run from the unpacked package.
 */
class DistributionIT {

    private static final Path TARGET = Path.of("target").toAbsolutePath();

    @TempDir
    Path dir;

    record Run(int exit, String output) {
    }

    private static Run run(Map<String, String> env, Path cwd, String... command) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(command).directory(cwd.toFile()).redirectErrorStream(true);
        pb.environment().remove("JAVA_OPTS");
        pb.environment().remove("L4LB_JAVA_OPTS");
        pb.environment().putAll(env);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new Run(p.exitValue(), out);
    }

    private static Path only(String glob) throws IOException {
        try (Stream<Path> s = Files.list(TARGET)) {
            List<Path> found = s.filter(p -> TARGET.getFileSystem().getPathMatcher("glob:" + glob).matches(p.getFileName())).toList();
            assertThat(found).as("one %s in target/", glob).hasSize(1);
            return found.get(0);
        }
    }

    private Path unpackTar() throws Exception {
        assertThat(run(Map.of(), dir, "tar", "-xzf", only("l4lb-*.tar.gz").toString()).exit()).isZero();
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().startsWith("l4lb-")).findFirst().orElseThrow();
        }
    }

    @Test
    void theTarballsLauncherCarriesTheFlagsAndRunsANode() throws Exception {
        Path home = unpackTar();
        Path launcher = home.resolve("bin/l4lb");
        assertThat(Files.getPosixFilePermissions(launcher)).contains(PosixFilePermission.OWNER_EXECUTE,
                PosixFilePermission.OTHERS_EXECUTE);
        assertThat(home.resolve("lib/lb-tcp.jar")).isRegularFile();
        assertThat(home.resolve("systemd/l4lb.service")).content().contains("ExecStart=/usr/bin/l4lb /etc/l4lb/l4lb.conf");
        for (String conf : List.of("single.conf", "common.conf", "node1.conf", "node2.conf")) {
            assertThat(home.resolve("conf").resolve(conf)).isRegularFile();
        }

        assertThat(run(Map.of(), dir, launcher.toString(), "--version").output()).startsWith("l4lb ");
        // The README's flags, unless JAVA_OPTS replaces them; L4LB_JAVA_OPTS adds to either.
        String flags = run(Map.of("L4LB_JAVA_OPTS", "-XX:+PrintCommandLineFlags"), dir, launcher.toString(), "--version").output();
        assertThat(flags).contains("-XX:-TieredCompilation", "-XX:PerMethodTrapLimit=0", "-XX:+UseSerialGC");
        String replaced = run(Map.of("JAVA_OPTS", "-Xmx96m", "L4LB_JAVA_OPTS", "-XX:+PrintCommandLineFlags"), dir,
                launcher.toString(), "--version").output();
        assertThat(replaced).contains("-XX:MaxHeapSize=100663296").doesNotContain("-XX:-TieredCompilation");

        // Through a symbolic link, as /usr/bin/l4lb is one: the launcher finds its jar all the same.
        Path link = Files.createDirectories(dir.resolve("usr-bin")).resolve("l4lb");
        Files.createSymbolicLink(link, launcher);
        Run check = run(Map.of(), dir, link.toString(), "--check", home.resolve("conf/single.conf").toString());
        assertThat(check.exit()).as(check.output()).isZero();

        try (ServerSocket backend = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread echo = new Thread(() -> echoOne(backend));
            echo.setDaemon(true);
            echo.start();
            int port = freePort();
            Path conf = Files.writeString(dir.resolve("node.conf"), """
                    admin.listen = "127.0.0.1:%d"
                    services.s { listen = ["127.0.0.1:%d"], servers = ["127.0.0.1:%d"], health-check.type = none }
                    """.formatted(freePort(), port, backend.getLocalPort()));
            Process node = new ProcessBuilder(link.toString(), conf.toString()).redirectErrorStream(true)
                    .redirectOutput(dir.resolve("node.log").toFile()).start();
            try {
                byte[] payload = new byte[256 * 1024];
                new Random().nextBytes(payload);
                byte[] got = exchange(port, payload);
                assertThat(got).as("relayed byte for byte through the launcher's node").isEqualTo(payload);
                // The node answered, so the launcher's shell is gone: exec'd into java, with the flags.
                String cmdline = Files.readString(Path.of("/proc", Long.toString(node.pid()), "cmdline")).replace('\0', ' ');
                assertThat(cmdline).contains("-XX:-TieredCompilation").contains("-jar ").doesNotContain("/bin/sh");
            } finally {
                node.destroy();
                assertThat(node.waitFor(40, TimeUnit.SECONDS)).isTrue();
            }
        }
    }

    @Test
    void theDebianPackageHoldsTheLauncherTheUnitAndAConfigThatChecks() throws Exception {
        Path deb = only("l4lb_*_all.deb");
        String fields = run(Map.of(), dir, "dpkg-deb", "-f", deb.toString(), "Package", "Architecture", "Depends").output();
        assertThat(fields).contains("Package: l4lb", "Architecture: all", "java17-runtime-headless");
        String files = run(Map.of(), dir, "dpkg-deb", "-c", deb.toString()).output();
        assertThat(files).contains("./usr/bin/l4lb -> /usr/share/l4lb/bin/l4lb", "./usr/share/l4lb/lib/lb-tcp.jar",
                "./lib/systemd/system/l4lb.service", "./etc/l4lb/l4lb.conf");
        Path control = dir.resolve("control");
        assertThat(run(Map.of(), dir, "dpkg-deb", "-e", deb.toString(), control.toString()).exit()).isZero();
        assertThat(control.resolve("conffiles")).content().contains("/etc/l4lb/l4lb.conf");
        for (String script : List.of("postinst", "prerm")) {
            assertThat(run(Map.of(), dir, "sh", "-n", control.resolve(script).toString()).exit()).as(script).isZero();
        }
        assertThat(control.resolve("postinst")).content().contains("adduser --system").contains("/var/lib/l4lb");

        Path root = dir.resolve("root");
        assertThat(run(Map.of(), dir, "dpkg-deb", "-x", deb.toString(), root.toString()).exit()).isZero();
        Run check = run(Map.of(), dir, root.resolve("usr/share/l4lb/bin/l4lb").toString(), "--check",
                root.resolve("etc/l4lb/l4lb.conf").toString());
        assertThat(check.exit()).as(check.output()).isZero();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static void echoOne(ServerSocket backend) {
        try (Socket s = backend.accept()) {
            s.getInputStream().transferTo(s.getOutputStream());
            s.shutdownOutput();
        } catch (IOException e) {
            // the test's assertion tells
        }
    }

    /** Connects (retrying while the node starts), sends everything, half-closes, reads to the end. */
    private static byte[] exchange(int port, byte[] payload) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            try (Socket c = new Socket(InetAddress.getLoopbackAddress(), port)) {
                c.setSoTimeout(20_000);
                Thread writer = new Thread(() -> {
                    try {
                        // Not closed: closing a socket's stream closes the socket.
                        OutputStream out = c.getOutputStream();
                        out.write(payload);
                        c.shutdownOutput();
                    } catch (IOException e) {
                        // the read below fails then
                    }
                });
                writer.start();
                InputStream in = new DataInputStream(c.getInputStream());
                byte[] got = in.readAllBytes();
                writer.join();
                return got;
            } catch (java.net.ConnectException e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(100);
            }
        }
    }
}

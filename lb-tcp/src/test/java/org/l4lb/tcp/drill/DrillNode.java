package org.l4lb.tcp.drill;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** One lb-tcp node of the drill, started inside its namespace. */
final class DrillNode {

    final String name;
    final String ns;
    final Path config;
    final Path log;
    private Process process;

    DrillNode(String name, String ns, Path dir, String config) throws IOException {
        this.name = name;
        this.ns = ns;
        this.config = Files.writeString(dir.resolve(name + ".conf"), config);
        this.log = dir.resolve(name + ".log");
    }

    void start() throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        process = new ProcessBuilder("ip", "netns", "exec", ns, java, "-XX:+UseSerialGC", "-Xmx256m", "-jar",
                Path.of("target/lb-tcp.jar").toAbsolutePath().toString(), config.toString())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
    }

    void signal(String sig) {
        Sh.run("kill", "-" + sig, Long.toString(process.pid()));
    }

    boolean alive() {
        return process != null && process.isAlive();
    }

    void awaitExit(long seconds) throws InterruptedException {
        if (process != null && !process.waitFor(seconds, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
    }

    String log() throws IOException {
        return Files.exists(log) ? Files.readString(log) : "";
    }

    void kill() throws InterruptedException {
        if (process != null && process.isAlive()) {
            signal("CONT");
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }
}

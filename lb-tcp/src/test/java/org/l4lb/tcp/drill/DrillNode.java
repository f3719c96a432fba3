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

    /** Writes a new configuration for the next reload (SIGHUP) or start. */
    void rewrite(String text) throws IOException {
        Path tmp = config.resolveSibling(config.getFileName() + ".new");
        Files.writeString(tmp, text);
        Files.move(tmp, config, java.nio.file.StandardCopyOption.ATOMIC_MOVE, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    /** The process's id: the same across a reload. */
    long pid() {
        return process.pid();
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

package org.l4lb.tcp.drill;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** One lb-tcp node of the drill, started inside its namespace. */
final class DrillNode {

    /** The JVM flags the README gives for production: the drills judge what a user runs. */
    private static final List<String> README_FLAGS = List.of("-XX:+UseSerialGC", "-Xms32m", "-Xmn6m",
            "-Xmx1g", "-Xss256k", "-XX:-TieredCompilation", "-XX:PerMethodTrapLimit=0", "-XX:ReservedCodeCacheSize=48m", "-XX:MaxDirectMemorySize=1g",
            "-XX:TrimNativeHeapInterval=5000", "-Dio.netty.leakDetection.level=disabled", "-XX:+ExitOnOutOfMemoryError");

    final String name;
    final String ns;
    final Path config;
    final Path log;
    private Process process;
    /** The CPUs the node's next start may run on (taskset), or null for any. */
    private String cpus;

    DrillNode(String name, String ns, Path dir, String config) throws IOException {
        this.name = name;
        this.ns = ns;
        this.config = Files.writeString(dir.resolve(name + ".conf"), config);
        this.log = dir.resolve(name + ".log");
    }

    void start() throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", ns));
        if (cpus != null) {
            cmd.addAll(List.of("taskset", "-c", cpus));
        }
        cmd.add(java);
        cmd.addAll(README_FLAGS);
        // More flags to look into a drill with (e.g. -XX:+PrintCompilation); the node's log gets their output.
        if (System.getenv("L4LB_DRILL_JVM_FLAGS") != null) {
            cmd.addAll(List.of(System.getenv("L4LB_DRILL_JVM_FLAGS").split(" ")));
        }
        // The collector's pauses and the safepoints, to tell what a delayed failover waited for.
        cmd.add("-Xlog:gc,safepoint:file=" + log.resolveSibling(name + "-gc.log") + ":uptime,tid");
        cmd.addAll(List.of("-jar", Path.of("target/lb-tcp.jar").toAbsolutePath().toString(), config.toString()));
        process = new ProcessBuilder(cmd)
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
    }

    /**
     * Keeps the node's next starts on these CPUs (null: any), as if it had a machine of its own:
     * two nodes on one box otherwise take each other's cores at a start.
     */
    void pin(String cpuList) {
        this.cpus = cpuList;
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

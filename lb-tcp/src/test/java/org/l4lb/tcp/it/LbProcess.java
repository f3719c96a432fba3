package org.l4lb.tcp.it;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/** lb-tcp.jar started as a real process on a config, with its log captured. */
final class LbProcess implements AutoCloseable {

    static final Path JAR = Path.of("target/lb-tcp.jar");

    /**
     * The transport every LB here runs on unless a test pins one by JVM flag: the default, or what
     * -Dl4lb.it.transport names (failsafe's second run sets io-uring).
     */
    static final String TRANSPORT = System.getProperty("l4lb.it.transport", "");

    /** The splice settings a relay test runs with: io_uring cannot splice. */
    static java.util.List<String> spliceModes() {
        return TRANSPORT.equals("io-uring") ? java.util.List.of("off") : java.util.List.of("off", "on");
    }

    private final Process process;
    private final Path log;
    final int adminPort;

    private LbProcess(Process process, Path log, int adminPort) {
        this.process = process;
        this.log = log;
        this.adminPort = adminPort;
    }

    /** Starts the LB with {@code config} plus an admin listener on a free port; waits until it serves. */
    static LbProcess start(Path dir, String config, String... jvmArgs) throws Exception {
        int admin = Ports.free();
        boolean pinned = java.util.Arrays.stream(jvmArgs).anyMatch(a -> a.startsWith("-Dio.netty.transport.noNative"));
        String transport = TRANSPORT.isEmpty() || pinned ? "" : "transport = " + TRANSPORT + "\n";
        Path conf = Files.writeString(Files.createTempFile(dir, "lb", ".conf"),
                transport + config + "\nadmin.listen = \"127.0.0.1:" + admin + "\"\n");
        Path log = Files.createTempFile(dir, "lb", ".log");
        java.util.List<String> cmd = new java.util.ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(java.util.List.of(jvmArgs));
        cmd.addAll(java.util.List.of("-jar", JAR.toString(), conf.toString()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        LbProcess lb = new LbProcess(p, log, admin);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < deadline) {
            if (!p.isAlive()) {
                throw new IllegalStateException("lb exited with " + p.exitValue() + ":\n" + lb.log());
            }
            if (lb.log().contains(" started: transport ")) {
                if (!transport.isEmpty() && !lb.log().contains(" started: transport " + TRANSPORT.replace('-', '_'))) {
                    lb.close();
                    throw new IllegalStateException("lb did not start on " + TRANSPORT + ":\n" + lb.log());
                }
                return lb;
            }
            Thread.sleep(50);
        }
        lb.close();
        throw new IllegalStateException("lb did not start in 20 s:\n" + lb.log());
    }

    String log() throws IOException {
        return Files.readString(log);
    }

    /** Lines of the access log. */
    java.util.List<String> accessLines() throws IOException {
        return log().lines().filter(l -> l.contains(" access: ")).toList();
    }

    String get(String path) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + path)).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString());
        return r.body();
    }

    /** One sample of a Prometheus metric (the first line that starts with {@code series}). */
    double metric(String series) throws Exception {
        for (String line : get("/metrics").split("\n")) {
            if (line.startsWith(series + " ") || line.startsWith(series + "{") && !series.contains("{")) {
                return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        throw new IllegalStateException("no metric " + series);
    }

    double metricSum(String name, String mustContain) throws Exception {
        double sum = 0;
        for (String line : get("/metrics").split("\n")) {
            if (line.startsWith(name + "{") && line.contains(mustContain)) {
                sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return sum;
    }

    long pid() {
        return process.pid();
    }

    void signal(String sig) throws Exception {
        new ProcessBuilder("kill", "-" + sig, Long.toString(process.pid())).start().waitFor();
    }

    boolean waitFor(Duration d) throws InterruptedException {
        return process.waitFor(d.toMillis(), TimeUnit.MILLISECONDS);
    }

    int exitValue() {
        return process.exitValue();
    }

    boolean alive() {
        return process.isAlive();
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }
}

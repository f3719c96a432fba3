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
    /** The node's file, and what start put around the test's config in it. */
    final Path conf;
    private final String transportLine;

    private LbProcess(Process process, Path log, int adminPort, Path conf, String transportLine) {
        this.process = process;
        this.log = log;
        this.adminPort = adminPort;
        this.conf = conf;
        this.transportLine = transportLine;
    }

    /** Writes {@code config} to the node's file as {@link #start} did (same admin listener and transport), for a reload. */
    void rewrite(String config) throws IOException {
        Path tmp = conf.resolveSibling(conf.getFileName() + ".new");
        Files.writeString(tmp, fileText(transportLine, config, adminPort));
        Files.move(tmp, conf, java.nio.file.StandardCopyOption.ATOMIC_MOVE, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    private static String fileText(String transportLine, String config, int admin) {
        return transportLine + config + "\nadmin.listen = \"127.0.0.1:" + admin + "\"\n";
    }

    /** Waits until the log holds {@code text} at least {@code times} times. */
    void awaitLog(String text, int times, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (count(text) >= times) {
                return;
            }
            Thread.sleep(20);
        }
        String state = process.isAlive() ? "" : " (the process has exited with " + process.exitValue() + ")";
        throw new AssertionError("the log did not show '" + text + "' " + times + " time(s) in " + timeout + state + ":\n" + log());
    }

    /** How many times {@code text} is in the log. */
    int count(String text) throws IOException {
        String all = log();
        int n = 0;
        for (int i = all.indexOf(text); i >= 0; i = all.indexOf(text, i + text.length())) {
            n++;
        }
        return n;
    }

    /** Starts the LB with {@code config} plus an admin listener on a free port; waits until it serves. */
    static LbProcess start(Path dir, String config, String... jvmArgs) throws Exception {
        return start(dir, config, java.util.List.of(), jvmArgs);
    }

    /** As {@link #start(Path, String, String...)}, the java command run by {@code launcher} (e.g. nohup). */
    static LbProcess start(Path dir, String config, java.util.List<String> launcher, String... jvmArgs) throws Exception {
        int admin = Ports.free();
        boolean pinned = java.util.Arrays.stream(jvmArgs).anyMatch(a -> a.startsWith("-Dio.netty.transport.noNative"));
        String transport = TRANSPORT.isEmpty() || pinned ? "" : "transport = " + TRANSPORT + "\n";
        Path conf = Files.writeString(Files.createTempFile(dir, "lb", ".conf"), fileText(transport, config, admin));
        Path log = Files.createTempFile(dir, "lb", ".log");
        java.util.List<String> cmd = new java.util.ArrayList<>(launcher);
        cmd.addAll(command(java.util.List.of(jvmArgs), conf.toString()));
        Process p = new ProcessBuilder(cmd)
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        LbProcess lb = new LbProcess(p, log, admin, conf, transport);
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
            // Close behind the line, so a test can act in the moment the node says it has started.
            Thread.sleep(5);
        }
        lb.close();
        throw new IllegalStateException("lb did not start in 20 s:\n" + lb.log());
    }

    /** {@code config} on the transport this run tests: with TRANSPORT's line first when one is set. */
    static String onTestedTransport(String config) {
        return TRANSPORT.isEmpty() ? config : "transport = " + TRANSPORT + "\n" + config;
    }

    /** What the jar printed (stdout and stderr) before it exited, and its exit code. */
    record Exit(int code, String output) {
    }

    /** Runs the jar with {@code args} (JVM flags {@code jvmArgs} before -jar) to its exit, 30 s at most. */
    static Exit runToExit(java.util.List<String> jvmArgs, String... args) throws Exception {
        Process p = new ProcessBuilder(command(jvmArgs, args)).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("lb-tcp.jar did not exit in 30 s:\n" + out);
        }
        return new Exit(p.exitValue(), out);
    }

    private static java.util.List<String> command(java.util.List<String> jvmArgs, String... args) {
        java.util.List<String> cmd = new java.util.ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvmArgs);
        cmd.add("-jar");
        cmd.add(JAR.toString());
        cmd.addAll(java.util.List.of(args));
        return cmd;
    }

    String log() throws IOException {
        return Files.readString(log);
    }

    /** Lines of the access log. */
    java.util.List<String> accessLines() throws IOException {
        return log().lines().filter(l -> l.contains(" access: ")).toList();
    }

    /** A change through the admin API with the bearer token; the status code and the body. */
    HttpResponse<String> send(String method, String pathAndQuery, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + pathAndQuery))
                .timeout(Duration.ofSeconds(30)).method(method, HttpRequest.BodyPublishers.noBody());
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return HttpClient.newHttpClient().send(b.build(), HttpResponse.BodyHandlers.ofString());
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

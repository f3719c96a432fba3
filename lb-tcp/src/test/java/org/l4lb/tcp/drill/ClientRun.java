package org.l4lb.tcp.drill;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.l4lb.drillkit.DrillClient;

/** The drill client's run and what its attempts show. */
final class ClientRun {

    private final Process process;
    private final Path out;

    private ClientRun(Process process, Path out) {
        this.process = process;
        this.out = out;
    }

    static ClientRun start(String ns, Path dir, String target, long durationMs) throws IOException {
        return start(ns, dir, target, durationMs, 20);
    }

    /** @param everyMs how often a new connection starts */
    static ClientRun start(String ns, Path dir, String target, long durationMs, int everyMs) throws IOException {
        Path out = Files.createTempFile(dir, "client", ".out");
        Process p = new ProcessBuilder(DrillKit.inNamespace(ns, DrillClient.class, target, "80", Integer.toString(everyMs),
                Long.toString(durationMs))).redirectErrorStream(true).redirectOutput(out.toFile()).start();
        return new ClientRun(p, out);
    }

    /** Ends the run now rather than at its duration. */
    void stop() throws IOException {
        process.getOutputStream().write('\n');
        process.getOutputStream().flush();
    }

    List<Attempts.Attempt> finish() throws IOException, InterruptedException {
        if (!process.waitFor(120, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
        return Attempts.parse(Files.readAllLines(out));
    }

    /** The client's own start-up (a JVM) takes a moment. */
    static void awaitFirstAttempt() throws InterruptedException {
        Thread.sleep(1500);
    }
}

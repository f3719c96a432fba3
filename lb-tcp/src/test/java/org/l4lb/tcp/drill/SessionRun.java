package org.l4lb.tcp.drill;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.l4lb.drillkit.DrillSession;

/** One long-lived drill connection ({@link DrillSession}) and how it ended. */
final class SessionRun {

    /**
     * @param via the LB nodes that carried it, comma-separated
     * @param brokeAt when it broke (epoch ms), 0 when it did not
     */
    record Result(boolean ok, long connectedAt, int rounds, String via, long brokeAt, String text) {
    }

    private final Process process;
    private final Path out;

    private SessionRun(Process process, Path out) {
        this.process = process;
        this.out = out;
    }

    static SessionRun start(String ns, Path dir, String host, int port, long durationMs) throws IOException {
        Path out = Files.createTempFile(dir, "session", ".out");
        Process p = new ProcessBuilder(DrillKit.inNamespace(ns, DrillSession.class, host, Integer.toString(port), "50",
                Long.toString(durationMs))).redirectErrorStream(true).redirectOutput(out.toFile()).start();
        return new SessionRun(p, out);
    }

    /** Waits for the connection (a JVM starts first); returns when it was made, epoch ms. */
    long awaitConnected(long timeoutMs) throws IOException, InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMs;
        while (System.currentTimeMillis() < deadline) {
            for (String line : Files.readAllLines(out)) {
                if (line.startsWith("CONNECTED ")) {
                    return Long.parseLong(line.substring(10).trim());
                }
                if (line.startsWith("FAIL ")) {
                    throw new AssertionError("the long-lived drill connection did not connect: " + line);
                }
            }
            Thread.sleep(20);
        }
        throw new AssertionError("the long-lived drill connection did not connect within " + timeoutMs + " ms: "
                + Files.readString(out));
    }

    Result finish(long timeoutMs) throws IOException, InterruptedException {
        if (!process.waitFor(timeoutMs, TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
        }
        List<String> lines = Files.readAllLines(out);
        long connected = 0;
        for (String line : lines) {
            String[] f = line.split(" ", 4);
            if (f[0].equals("CONNECTED")) {
                connected = Long.parseLong(f[1]);
            } else if (f[0].equals("OK") && f.length >= 3) {
                return new Result(true, connected, Integer.parseInt(f[1]), f[2], 0, line);
            } else if (f[0].equals("FAIL") && f.length >= 3) {
                return new Result(false, connected, Integer.parseInt(f[2]), "", Long.parseLong(f[1]), line);
            }
        }
        return new Result(false, connected, 0, "", 0, "no result: " + String.join(" | ", lines));
    }
}

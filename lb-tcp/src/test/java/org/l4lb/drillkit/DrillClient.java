package org.l4lb.drillkit;

import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * The drills' client: starts a new connection to HOST:PORT every INTERVAL ms, for DURATION ms or
 * (without it, or 0) until killed, each on its own thread (like a stream of independent users: one
 * that hangs does not delay the next); prints one line per attempt, stamped with its start and its
 * end: "START END OK ANSWER" or "START END FAIL REASON", milliseconds since the epoch, in
 * completion order, flushed at least every half second. A line on its standard input ends it
 * early, as the duration would.
 * An attempt fails when it is refused or reset, is not accepted within 300 ms or gives no answer
 * within 500 ms.
 * JDK only, so that it runs from test-classes on any JRE: {@code java -cp DIR
 * org.l4lb.drillkit.DrillClient HOST PORT INTERVAL_MS [DURATION_MS]}.
 */
public final class DrillClient {

    private static final long FLUSH_EVERY_MS = 500;

    private DrillClient() {
    }

    public static void main(String[] args) throws Exception {
        String host = args[0];
        int port = Integer.parseInt(args[1]);
        long interval = Long.parseLong(args[2]);
        long duration = args.length > 3 ? Long.parseLong(args[3]) : 0;
        long end = duration > 0 ? System.currentTimeMillis() + duration : Long.MAX_VALUE;
        StringBuffer out = new StringBuffer();
        ExecutorService pool = Executors.newCachedThreadPool();
        long next = System.currentTimeMillis();
        long flushed = next;
        while (next < end && System.in.available() == 0) {
            long start = next;
            // One append per line: two would let another thread's line in between.
            pool.execute(() -> out.append(attempt(host, port, start) + "\n"));
            next += interval;
            long wait = next - System.currentTimeMillis();
            if (wait > 0) {
                Thread.sleep(wait);
            }
            if (out.length() > 4096 || System.currentTimeMillis() - flushed >= FLUSH_EVERY_MS) {
                flush(out);
                flushed = System.currentTimeMillis();
            }
        }
        pool.shutdown();
        pool.awaitTermination(5, TimeUnit.SECONDS);
        flush(out);
    }

    private static String attempt(String host, int port, long start) {
        long began = System.currentTimeMillis();
        long connected = -1;
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(host, port), 300);
            connected = System.currentTimeMillis();
            s.setSoTimeout(500);
            InputStream in = s.getInputStream();
            String answer = new String(in.readAllBytes(), StandardCharsets.US_ASCII).trim();
            return start + " " + System.currentTimeMillis() + (answer.isEmpty() ? " FAIL empty" : " OK " + answer);
        } catch (Exception e) {
            // Which step failed, and whether this client itself ran late, tell a slow node from a
            // starved client when a drill fails.
            String step = connected < 0 ? "connect" : "reply (connected in " + (connected - began) + " ms)";
            return start + " " + System.currentTimeMillis() + " FAIL " + e.getClass().getSimpleName() + " in " + step
                    + (began - start > 20 ? ", began " + (began - start) + " ms late" : "");
        }
    }

    private static void flush(StringBuffer out) {
        String text;
        synchronized (out) {
            text = out.toString();
            out.setLength(0);
        }
        System.out.print(text);
        System.out.flush();
    }
}

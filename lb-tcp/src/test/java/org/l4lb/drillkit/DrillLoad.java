package org.l4lb.drillkit;

import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.concurrent.atomic.AtomicIntegerArray;

/**
 * The drills' load: THREADS threads each open connections to HOST:PORT one after another, as fast
 * as they are answered, for DURATION ms; a connection counts when its answer (a line) arrives
 * and the node closes it.
 * Prints one line per 100 ms at the end: "START_MS OK FAILED", the window's start in milliseconds
 * since the epoch. JDK only: {@code java -cp DIR org.l4lb.drillkit.DrillLoad HOST PORT THREADS DURATION_MS}.
 */
public final class DrillLoad {

    private static final int BUCKET_MS = 100;

    private DrillLoad() {
    }

    public static void main(String[] args) throws Exception {
        String host = args[0];
        int port = Integer.parseInt(args[1]);
        int threads = Integer.parseInt(args[2]);
        long duration = Long.parseLong(args[3]);
        long start = System.currentTimeMillis() / BUCKET_MS * BUCKET_MS;
        long end = start + duration;
        int buckets = (int) (duration / BUCKET_MS) + 1;
        AtomicIntegerArray ok = new AtomicIntegerArray(buckets);
        AtomicIntegerArray failed = new AtomicIntegerArray(buckets);
        Thread[] workers = new Thread[threads];
        for (int i = 0; i < threads; i++) {
            workers[i] = new Thread(() -> {
                byte[] buf = new byte[256];
                long now;
                while ((now = System.currentTimeMillis()) < end) {
                    boolean answered = false;
                    try (Socket s = new Socket()) {
                        s.connect(new InetSocketAddress(host, port), 300);
                        s.setSoTimeout(500);
                        InputStream in = s.getInputStream();
                        // To the end: the node closes first, so the TIME_WAIT is its, and the
                        // client's ports do not run out over a long run.
                        int n;
                        int got = 0;
                        while ((n = in.read(buf)) > 0) {
                            got += n;
                        }
                        answered = got > 0;
                    } catch (Exception e) {
                        answered = false;
                    }
                    int b = (int) ((now - start) / BUCKET_MS);
                    (answered ? ok : failed).incrementAndGet(Math.min(b, buckets - 1));
                    if (!answered) {
                        try {
                            Thread.sleep(10); // no VIP holder: do not spin on the failures
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                }
            });
            workers[i].start();
        }
        for (Thread t : workers) {
            t.join();
        }
        StringBuilder out = new StringBuilder();
        for (int b = 0; b < buckets; b++) {
            out.append(start + (long) b * BUCKET_MS).append(' ').append(ok.get(b)).append(' ').append(failed.get(b)).append('\n');
        }
        System.out.print(out);
    }
}

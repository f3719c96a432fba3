package org.l4lb.tcp.it;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * New connections at a steady rate to a service of naming backends ({@link Backend#naming}): each
 * reads the backend's name to its end. Every connection that fails is kept with its reason.
 */
final class ConnectionLoad implements AutoCloseable {

    /** One connection: when it started (System.nanoTime) and which backend answered. */
    record Served(long startedNanos, String backend) {
    }

    private final ExecutorService threads;
    private final AtomicBoolean running = new AtomicBoolean(true);
    final ConcurrentLinkedQueue<Served> served = new ConcurrentLinkedQueue<>();
    final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();

    /** Starts {@code threads} clients, each opening one connection every {@code everyMillis}. */
    ConnectionLoad(int port, int threadCount, long everyMillis) {
        threads = Executors.newFixedThreadPool(threadCount, r -> {
            Thread t = new Thread(r, "load");
            t.setDaemon(true);
            return t;
        });
        for (int i = 0; i < threadCount; i++) {
            threads.execute(() -> {
                long next = System.nanoTime();
                while (running.get()) {
                    one(port);
                    next += TimeUnit.MILLISECONDS.toNanos(everyMillis);
                    long wait = next - System.nanoTime();
                    if (wait > 0) {
                        try {
                            TimeUnit.NANOSECONDS.sleep(wait);
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                }
            });
        }
    }

    private void one(int port) {
        long started = System.nanoTime();
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 2000);
            s.setSoTimeout(5000);
            String name = new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
            if (name.isEmpty()) {
                failures.add("closed without an answer");
            } else {
                served.add(new Served(started, name));
            }
        } catch (IOException e) {
            failures.add(e.toString());
        }
    }

    /** Which backends answered the connections started at or after {@code sinceNanos}. */
    Map<String, Integer> servedSince(long sinceNanos) {
        Map<String, Integer> m = new TreeMap<>();
        for (Served s : served) {
            if (s.startedNanos() - sinceNanos >= 0) {
                m.merge(s.backend(), 1, Integer::sum);
            }
        }
        return m;
    }

    List<String> failures() {
        return List.copyOf(failures);
    }

    @Override
    public void close() throws InterruptedException {
        running.set(false);
        threads.shutdown();
        threads.awaitTermination(10, TimeUnit.SECONDS);
    }
}

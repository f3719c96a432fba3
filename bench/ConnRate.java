import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * New connections per second, second by second: THREADS clients each open a connection, send one
 * HTTP/1.1 request with Connection: close, read the answer to its end, and start again. Prints
 * "SECOND OK FAILED" lines, then the first reason of each kind of failure.
 *
 *   java bench/ConnRate.java HOST:PORT SECONDS THREADS [WARM_HOST:PORT WARM_SECONDS]
 *
 * The optional warm-up runs the same loop against another address first (the backend itself), so
 * the client's own JIT is warm when the measured seconds start; then it waits for the target to
 * accept a connection (a proxy being started) and counts its seconds from there.
 */
public final class ConnRate {

    private static final byte[] REQUEST = "GET / HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n"
            .getBytes(StandardCharsets.US_ASCII);

    public static void main(String[] args) throws Exception {
        String[] target = args[0].split(":");
        int seconds = Integer.parseInt(args[1]);
        int threads = Integer.parseInt(args[2]);
        if (args.length > 4) {
            String[] warm = args[3].split(":");
            run(new InetSocketAddress(warm[0], Integer.parseInt(warm[1])), Integer.parseInt(args[4]), threads, false);
            System.err.println("warm");
            InetSocketAddress t = new InetSocketAddress(target[0], Integer.parseInt(target[1]));
            for (long deadline = System.nanoTime() + 120_000_000_000L; System.nanoTime() < deadline; ) {
                try (Socket s = new Socket()) {
                    s.connect(t, 100);
                    break;
                } catch (Exception e) {
                    Thread.sleep(5);
                }
            }
        }
        run(new InetSocketAddress(target[0], Integer.parseInt(target[1])), seconds, threads, true);
    }

    private static void run(InetSocketAddress to, int seconds, int threads, boolean print) throws Exception {
        AtomicLongArray ok = new AtomicLongArray(seconds);
        AtomicLongArray failed = new AtomicLongArray(seconds);
        ConcurrentHashMap<String, String> reasons = new ConcurrentHashMap<>();
        long start = System.nanoTime();
        long end = start + seconds * 1_000_000_000L;
        Thread[] all = new Thread[threads];
        for (int t = 0; t < threads; t++) {
            all[t] = new Thread(() -> {
                byte[] buf = new byte[4096];
                while (true) {
                    long began = System.nanoTime();
                    if (began >= end) {
                        return;
                    }
                    String failure = null;
                    try (Socket s = new Socket()) {
                        s.connect(to, 2000);
                        s.setSoTimeout(2000);
                        OutputStream out = s.getOutputStream();
                        out.write(REQUEST);
                        InputStream in = s.getInputStream();
                        int total = 0;
                        boolean first = true;
                        for (int n; (n = in.read(buf)) > 0; ) {
                            if (first && !(n >= 12 && new String(buf, 0, 12, StandardCharsets.US_ASCII).startsWith("HTTP/1.1 200"))) {
                                failure = "not a 200 answer";
                            }
                            first = false;
                            total += n;
                        }
                        if (total == 0) {
                            failure = "closed without an answer";
                        }
                    } catch (Exception e) {
                        failure = e.getClass().getSimpleName() + ": " + e.getMessage();
                    }
                    int second = (int) ((System.nanoTime() - start) / 1_000_000_000L);
                    if (second >= seconds) {
                        return;
                    }
                    if (failure == null) {
                        ok.incrementAndGet(second);
                    } else {
                        failed.incrementAndGet(second);
                        reasons.putIfAbsent(failure.replaceAll("[0-9]+", "N"), failure);
                    }
                }
            });
            all[t].start();
        }
        for (Thread t : all) {
            t.join();
        }
        if (print) {
            for (int i = 0; i < seconds; i++) {
                System.out.println(i + " " + ok.get(i) + " " + failed.get(i));
            }
            reasons.values().forEach(r -> System.out.println("# failure: " + r));
        }
    }
}

package org.l4lb.tcp.it;

import java.io.DataInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Long-lived sessions through an echo service: each keeps writing random chunks and reading them
 * back, checked byte for byte, until stopped; then the SHA-256 of all it sent is compared with that
 * of all it got back. A session that breaks is kept with its reason.
 */
final class EchoStreams implements AutoCloseable {

    private static final int CHUNK = 16 * 1024;

    private final ExecutorService threads;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final List<Future<Long>> sessions;
    final ConcurrentLinkedQueue<String> broken = new ConcurrentLinkedQueue<>();

    EchoStreams(int port, int count) throws Exception {
        threads = Executors.newFixedThreadPool(count, r -> {
            Thread t = new Thread(r, "stream");
            t.setDaemon(true);
            return t;
        });
        List<Socket> sockets = new java.util.ArrayList<>();
        for (int i = 0; i < count; i++) {
            Socket s = new Socket("127.0.0.1", port);
            s.setSoTimeout(10_000);
            sockets.add(s);
        }
        sessions = sockets.stream().map(s -> threads.submit(() -> run(s, s.getLocalPort()))).toList();
    }

    /** @return the bytes it moved each way */
    private long run(Socket s, long seed) {
        MessageDigest sent = Streams.sha256();
        MessageDigest got = Streams.sha256();
        SplittableRandom random = new SplittableRandom(seed);
        byte[] out = new byte[CHUNK];
        byte[] in = new byte[CHUNK];
        long total = 0;
        try (s) {
            OutputStream o = s.getOutputStream();
            DataInputStream i = new DataInputStream(s.getInputStream());
            while (running.get()) {
                random.nextBytes(out);
                o.write(out);
                sent.update(out);
                i.readFully(in);
                got.update(in);
                if (!Arrays.equals(in, out)) {
                    broken.add("session " + seed + ": bytes differ after " + total);
                    return total;
                }
                total += CHUNK;
                Thread.sleep(5);
            }
            s.shutdownOutput();
            InputStream rest = s.getInputStream();
            if (rest.read() != -1) {
                broken.add("session " + seed + ": more bytes than were sent");
            }
            if (!MessageDigest.isEqual(sent.digest(), got.digest())) {
                broken.add("session " + seed + ": SHA-256 differs");
            }
        } catch (Exception e) {
            broken.add("session " + seed + " broke after " + total + " bytes: " + e);
        }
        return total;
    }

    /** Stops them, lets each end cleanly, and returns the bytes each moved. */
    List<Long> finish() throws Exception {
        running.set(false);
        List<Long> bytes = new java.util.ArrayList<>();
        for (Future<Long> f : sessions) {
            bytes.add(f.get(30, TimeUnit.SECONDS));
        }
        return bytes;
    }

    /** An echo conversation for {@link Backend}: what comes in goes back, until EOF. */
    static void echo(Socket s) throws Exception {
        InputStream in = s.getInputStream();
        OutputStream out = s.getOutputStream();
        byte[] buf = new byte[64 * 1024];
        for (int n; (n = in.read(buf)) >= 0; ) {
            out.write(buf, 0, n);
        }
        s.shutdownOutput();
    }

    @Override
    public void close() {
        running.set(false);
        threads.shutdownNow();
    }
}

package org.l4lb.tcp.warmup;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.l4lb.core.config.ConfigLoader;
import org.l4lb.core.config.InvalidConfigException;
import org.l4lb.core.config.ServiceConfig;
import org.l4lb.tcp.logging.DiscardingAccessLog;
import org.l4lb.tcp.proxy.DataPlane;
import org.l4lb.tcp.proxy.Service;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the data path before the node may take the VIPs: loopback connections through a service of
 * its own to an echo server of its own, a few bytes each way in each order protocols use, so
 * that the JIT has compiled accept, connect and relay when the first clients arrive. A standby that never served is then as
 * fast in its first second as master as the node it replaces, instead of running the data path
 * interpreted while a failover's worth of clients reconnect at once.
 *
 * <p>Nothing of it reaches the configured servers or the metrics; its access lines go through the
 * access log's machinery to nowhere ({@link DiscardingAccessLog}). It ends after its count of
 * connections or its time limit, whichever comes first.
 */
public final class Warmup {

    private static final Logger LOG = LoggerFactory.getLogger(Warmup.class);
    private static final int PAYLOAD = 512;
    private static final int GREETING = 64;
    private static final int CLIENTS = 4;
    private static final long WORK_NANOS = TimeUnit.MILLISECONDS.toNanos(10);
    private static final long REST_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

    /**
     * The exchanges the warm-up runs in turn, so that the compiled code has seen each order of
     * events a protocol makes: the client speaks first (HTTP), the server greets first (SMTP,
     * SSH, MySQL), the server answers and closes before the client says anything.
     */
    private enum Exchange {
        CLIENT_FIRST, SERVER_FIRST, SERVER_ONLY;

        static Exchange of(int n) {
            return values()[n % 3];
        }
    }

    /** What the warm-up did; {@code firstFailure} says why the first failed connection failed, or is null. */
    public record Result(int connections, int failed, long millis, String firstFailure) {
    }

    private Warmup() {
    }

    /**
     * @param services makes a service as the node does, on its data plane's event loops
     * @param connections how many to run
     * @param limit the most it may take
     */
    public static Result run(DataPlane dataPlane, Function<ServiceConfig, Service> services, int connections,
            Duration limit) throws IOException, InterruptedException {
        long start = System.nanoTime();
        long deadline = start + limit.toNanos();
        try (ServerSocket echo = new ServerSocket()) {
            echo.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 256);
            ExecutorService echoes = Executors.newFixedThreadPool(CLIENTS, daemon("l4lb-warmup-echo"));
            Thread acceptor = daemon("l4lb-warmup-accept").newThread(() -> acceptLoop(echo, echoes));
            acceptor.start();
            Service service = null;
            DiscardingAccessLog accessLog = DiscardingAccessLog.open();
            try {
                for (int attempt = 0; service == null; attempt++) {
                    ServiceConfig sc = serviceConfig(freePort(), echo.getLocalPort());
                    Service s = services.apply(sc);
                    try {
                        if (accessLog != null) {
                            s.accessLog(accessLog.logger());
                        }
                        dataPlane.listen(s);
                        service = s;
                    } catch (RuntimeException e) {
                        if (attempt >= 3) {
                            throw e; // the free port was taken meanwhile, again and again
                        }
                    }
                }
                int port = service.config().listen().get(0).port();
                AtomicInteger started = new AtomicInteger();
                AtomicInteger ran = new AtomicInteger();
                AtomicInteger failed = new AtomicInteger();
                AtomicReference<String> firstFailure = new AtomicReference<>();
                ExecutorService clients = Executors.newFixedThreadPool(CLIENTS, daemon("l4lb-warmup-client"));
                for (int i = 0; i < CLIENTS; i++) {
                    clients.execute(() -> {
                        byte[] out = new byte[PAYLOAD];
                        byte[] in = new byte[PAYLOAD];
                        int n;
                        while (System.nanoTime() < deadline && (n = started.getAndIncrement()) < connections) {
                            if (!restIfDue()) {
                                return;
                            }
                            Arrays.fill(out, (byte) n);
                            String why = roundTrip(port, Exchange.of(n), out, in);
                            if (why != null) {
                                failed.incrementAndGet();
                                firstFailure.compareAndSet(null, Exchange.of(n) + ": " + why);
                            }
                            ran.incrementAndGet();
                        }
                    });
                }
                clients.shutdown();
                clients.awaitTermination(limit.toMillis() + 5000, TimeUnit.MILLISECONDS);
                clients.shutdownNow();
                return new Result(ran.get(), failed.get(), TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start),
                        firstFailure.get());
            } finally {
                if (service != null) {
                    dataPlane.unlisten(service);
                }
                echoes.shutdownNow();
                echo.close();
                acceptor.join(1000);
                if (accessLog != null) {
                    accessLog.close();
                }
            }
        }
    }

    /**
     * Holds the calling client back during the second half of every {@code WORK + REST} period.
     * A warm-up that keeps both cores busy with threads handing off to each other thousands of
     * times a second made Linux (6.x, with cgroups: Docker, systemd slices) run nothing else of
     * other groups for up to seconds, so a node starting on a machine that serves, a pair drilled
     * on one host, or a container next to it, stalled; pausing half the time ended that, for
     * about half as much again of warm-up time (bench/RESULTS.md).
     *
     * @return false when interrupted
     */
    private static boolean restIfDue() {
        long phase = System.nanoTime() % (WORK_NANOS + REST_NANOS);
        if (phase < WORK_NANOS) {
            return true;
        }
        try {
            TimeUnit.NANOSECONDS.sleep(WORK_NANOS + REST_NANOS - phase);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** One connection of the exchange; null when it went as it should, else what went wrong. */
    private static String roundTrip(int port, Exchange exchange, byte[] out, byte[] in) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 2000);
            s.setSoTimeout(2000);
            InputStream is = s.getInputStream();
            // The echo server learns the exchange from the first byte: its greeting needs no request.
            s.getOutputStream().write(exchange.ordinal());
            if (exchange != Exchange.CLIENT_FIRST) {
                byte[] greeting = new byte[GREETING];
                if (!readFully(is, greeting)) {
                    return "closed before the greeting";
                }
                if (exchange == Exchange.SERVER_ONLY) {
                    return is.read() < 0 ? null : "not closed after the greeting";
                }
            }
            s.getOutputStream().write(out);
            if (!readFully(is, in)) {
                return "closed before the echo";
            }
            return Arrays.equals(out, in) ? null : "the echo differs";
        } catch (IOException e) {
            return e.toString();
        }
    }

    private static boolean readFully(InputStream is, byte[] into) throws IOException {
        int got = 0;
        while (got < into.length) {
            int n = is.read(into, got, into.length - got);
            if (n < 0) {
                return false;
            }
            got += n;
        }
        return true;
    }

    private static void acceptLoop(ServerSocket echo, ExecutorService echoes) {
        while (!echo.isClosed()) {
            try {
                Socket s = echo.accept();
                echoes.execute(() -> echoOne(s));
            } catch (IOException e) {
                return; // closed
            } catch (java.util.concurrent.RejectedExecutionException e) {
                return;
            }
        }
    }

    private static void echoOne(Socket s) {
        try (s) {
            s.setSoTimeout(2000);
            InputStream in = s.getInputStream();
            OutputStream out = s.getOutputStream();
            int kind = in.read();
            if (kind < 0) {
                return;
            }
            Exchange exchange = Exchange.values()[kind % 3];
            if (exchange != Exchange.CLIENT_FIRST) {
                out.write(new byte[GREETING]);
                if (exchange == Exchange.SERVER_ONLY) {
                    return;
                }
            }
            byte[] buf = new byte[PAYLOAD];
            if (readFully(in, buf)) {
                out.write(buf);
            }
        } catch (IOException e) {
            // the client counts it
        }
    }

    /** The warm-up service, read as a file would be: the defaults every real service starts from. */
    private static ServiceConfig serviceConfig(int listenPort, int echoPort) throws IOException {
        Path file = Files.createTempFile("l4lb-warmup", ".conf");
        try {
            Files.writeString(file, """
                    services.warmup {
                      listen = ["127.0.0.1:%d"]
                      # One refused or slow connect on a starved machine must not take the only server out.
                      servers = [{ address = "127.0.0.1:%d", max-fails = 0 }]
                      health-check.type = none
                    }
                    """.formatted(listenPort, echoPort));
            return ConfigLoader.load(file, java.util.Map.of()).services().get(0);
        } catch (InvalidConfigException e) {
            throw new IllegalStateException("the warm-up service's configuration: " + e.getMessage(), e);
        } finally {
            Files.deleteIfExists(file);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }

    /** Logs what it did: the start's log tells how long the node took before it joined its group. */
    public static void log(Result r) {
        if (r.failed() == 0) {
            LOG.info("warm-up: {} loopback connection(s) through the data path in {} ms (0 failed)", r.connections(),
                    r.millis());
        } else {
            LOG.warn("warm-up: {} loopback connection(s) through the data path in {} ms ({} failed; the first: {})",
                    r.connections(), r.millis(), r.failed(), r.firstFailure());
        }
    }
}

package org.l4lb.tcp;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import org.l4lb.core.config.ConfigLoader;
import org.l4lb.core.config.ConfigProblem;
import org.l4lb.core.config.InvalidConfigException;
import org.l4lb.core.config.LbConfig;
import org.l4lb.core.config.ServerAddress;
import org.l4lb.core.config.ServerConfig;
import org.l4lb.core.config.ServiceConfig;
import org.l4lb.tcp.transport.Transport;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * {@code java -jar lb-tcp.jar [--check] CONFIG | --version | --help}.
 * Exit codes: 0 fine (also after a drained stop), 1 could not start (a port taken, a server
 * name that does not resolve), 2 bad configuration, or a transport this machine cannot give
 * (nothing started), 64 bad command line.
 */
public final class Main {

    static final int EXIT_OK = 0;
    static final int EXIT_BAD_CONFIG = 2;
    static final int EXIT_START_FAILED = 1;
    static final int EXIT_USAGE = 64;

    private Main() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /**
     * Each server given by a host name without {@code resolve = true} that the system's resolver
     * cannot resolve now, as one line naming the file's service and server. A name followed with
     * {@code resolve = true} may come and go; it is left to the node.
     */
    private static List<String> unresolvedNames(LbConfig config) {
        List<String> problems = new ArrayList<>();
        for (ServiceConfig service : config.services()) {
            for (ServerConfig server : service.servers()) {
                if (server.resolve() || !(server.address() instanceof ServerAddress.Tcp tcp)) {
                    continue;
                }
                try {
                    InetAddress.getAllByName(tcp.endpoint().host());
                } catch (UnknownHostException e) {
                    problems.add("services." + service.name() + ": server " + server.address().text() + ": host name '"
                            + tcp.endpoint().host() + "' does not resolve (a start would fail; resolve = true follows a name"
                            + " that comes and goes)");
                }
            }
        }
        return problems;
    }

    private static void usage(PrintStream to) {
        to.println("usage: java -jar lb-tcp.jar [--check] CONFIG");
        to.println("       java -jar lb-tcp.jar ctl [--admin HOST:PORT] [--token-file F | --config CONFIG] COMMAND");
        to.println("       java -jar lb-tcp.jar --version | --help");
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length >= 1 && args[0].equals("ctl")) {
            return new org.l4lb.tcp.ctl.Ctl(out, err).run(List.of(args).subList(1, args.length));
        }
        if (args.length == 1 && args[0].equals("--version")) {
            out.println("l4lb " + version());
            return EXIT_OK;
        }
        if (args.length == 1 && (args[0].equals("--help") || args[0].equals("-h"))) {
            usage(out);
            return EXIT_OK;
        }
        boolean checkOnly = args.length == 2 && args[0].equals("--check");
        if (!(checkOnly || (args.length == 1 && !args[0].startsWith("-")))) {
            usage(err);
            return EXIT_USAGE;
        }
        Path file = Path.of(args[args.length - 1]);
        LbConfig config;
        try {
            config = ConfigLoader.load(file);
        } catch (InvalidConfigException e) {
            for (ConfigProblem p : e.problems()) {
                err.println(p);
            }
            err.println(file + ": configuration test failed (" + e.problems().size() + " problem(s))");
            return EXIT_BAD_CONFIG;
        }
        Transport transport;
        try {
            // Whether this machine can give the transport asked for is known before anything
            // starts, and retrying will not change it: a bad configuration here, not a failed start.
            transport = Transport.of(config.transport());
        } catch (IllegalStateException e) {
            err.println(file + ": transport: " + e.getMessage());
            err.println(file + ": configuration test failed (1 problem(s))");
            return EXIT_BAD_CONFIG;
        }
        if (checkOnly) {
            // As nginx -t does: a name resolved once at start that does not resolve now fails the start.
            List<String> unresolved = unresolvedNames(config);
            if (!unresolved.isEmpty()) {
                unresolved.forEach(err::println);
                err.println(file + ": configuration test failed (" + unresolved.size() + " problem(s))");
                return EXIT_BAD_CONFIG;
            }
            out.println(file + ": configuration is ok (" + config.services().size() + " service(s))");
            return EXIT_OK;
        }
        return serve(file, config, transport, err);
    }

    /**
     * Runs the node until SIGTERM/SIGINT: the first drains, a second exits at once. SIGHUP reloads
     * the file; SIGUSR1 logs one line per service; SIGUSR2 is logged and ignored.
     */
    private static int serve(Path file, LbConfig fileConfig, Transport transport, PrintStream err) {
        if (System.getProperty("sun.net.inetaddr.ttl") == null) {
            // Names with resolve = true are looked up every resolve-interval: the JVM's own cache
            // (30 s by default) would hide a change for that much longer.
            java.security.Security.setProperty("networkaddress.cache.ttl", "0");
        }
        Operations operations = new Operations(file, fileConfig);
        LbConfig config;
        try {
            config = operations.startingConfig();
        } catch (IOException e) {
            err.println("l4lb: cannot start: " + e.getMessage());
            return EXIT_START_FAILED;
        }
        // Before the start: a stop asked while the node starts is held until it has started, then
        // drains and cleans up (the VIPs, the kernel's table) as any stop does.
        CountDownLatch stop = new CountDownLatch(1);
        AtomicBoolean stopping = new AtomicBoolean();
        SignalHandler handler = sig -> {
            if (stopping.compareAndSet(false, true)) {
                LoggerFactory.getLogger(Main.class).info("SIG{}: draining (send it again to exit at once)", sig.getName());
                stop.countDown();
            } else {
                LoggerFactory.getLogger(Main.class).warn("SIG{} again: exiting now", sig.getName());
                Runtime.getRuntime().halt(EXIT_OK);
            }
        };
        Signal.handle(new Signal("TERM"), handler);
        Signal.handle(new Signal("INT"), handler);
        Node node = new Node(config, transport, operations);
        // A reload reads the file and binds sockets: off the signal dispatcher, one at a time.
        java.util.concurrent.ExecutorService reloads = java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "l4lb-reload");
            t.setDaemon(true);
            return t;
        });
        // The handlers are in place before the start logs "started", so a signal sent on that
        // line is never the JVM's default (which exits); what it asks waits for the start.
        CountDownLatch started = new CountDownLatch(1);
        reloads.execute(() -> {
            try {
                started.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        SignalHandler hupBefore = Signal.handle(new Signal("HUP"), sig -> reloads.execute(() -> {
            if (!stopping.get()) {
                operations.reload("SIGHUP");
            }
        }));
        if (hupBefore == SignalHandler.SIG_IGN) {
            // The JVM keeps a stop signal the process was started ignoring ignored, whatever is
            // asked of it: every SIGHUP would be lost without a word.
            LoggerFactory.getLogger(Main.class).warn("SIGHUP is ignored in this process (started under nohup, or by a parent"
                    + " that ignores it), so it cannot reload the file: reload with `java -jar lb-tcp.jar ctl --config {} reload`"
                    + " or POST /reload on the admin listener", file);
        }
        Signal.handle(new Signal("USR1"), sig -> reloads.execute(() -> node.services().forEach(s ->
                LoggerFactory.getLogger(Main.class).info("SIGUSR1: service {}: {} open session(s), {} in all, servers {}", s.name(),
                        s.activeSessions(), s.totalSessions(), s.upstream().servers().stream()
                                .map(v -> v.name() + " w=" + v.weight() + " " + v.admin().name().toLowerCase(java.util.Locale.ROOT)
                                        + (v.eligible(System.nanoTime()) ? "" : " (not eligible)") + " sessions=" + v.sessions())
                                .toList()))));
        // Its default action would end the process without a word.
        Signal.handle(new Signal("USR2"), sig -> LoggerFactory.getLogger(Main.class)
                .warn("SIGUSR2: ignored (SIGHUP reloads, SIGUSR1 logs the servers, SIGTERM stops)"));
        try {
            node.start();
        } catch (IOException | IllegalStateException e) {
            // What the machine refused (a port taken, a name that does not resolve): one line, as
            // a configuration error gets.
            err.println("l4lb: cannot start: " + e.getMessage());
            LoggerFactory.getLogger(Main.class).error("cannot start: {}", e.getMessage());
            return EXIT_START_FAILED;
        } catch (Exception e) {
            err.println("l4lb: cannot start: " + e);
            LoggerFactory.getLogger(Main.class).error("cannot start", e);
            return EXIT_START_FAILED;
        }
        operations.started(node);
        started.countDown();
        java.util.concurrent.ScheduledExecutorService names = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "l4lb-resolve");
            t.setDaemon(true);
            return t;
        });
        names.scheduleWithFixedDelay(operations::followNames, 250, 250, java.util.concurrent.TimeUnit.MILLISECONDS);
        try {
            stop.await();
            node.drain(node.config().shutdownTimeout());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            node.stop();
        }
        LoggerFactory.getLogger(Main.class).info("stopped");
        return EXIT_OK;
    }

    public static String version() {
        try (InputStream in = Main.class.getResourceAsStream("version.properties")) {
            Properties p = new Properties();
            if (in != null) {
                p.load(in);
            }
            return p.getProperty("version", "unknown");
        } catch (IOException e) {
            return "unknown";
        }
    }
}

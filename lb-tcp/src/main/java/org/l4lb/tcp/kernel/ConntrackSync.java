package org.l4lb.tcp.kernel;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.l4lb.core.config.ConntrackSyncConfig;
import org.l4lb.ha.vip.FlowStateSync;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The kernel's flows copied to the peer, so that they outlive a crash of the master: a conntrackd
 * of this node's own (FTFW over UDP, configured from the HA settings), and the steps keepalived
 * users run from a notify script (conntrackd's primary-backup.sh), taken in order with the VIPs:
 * a node commits the old master's flows to its kernel before it takes the VIPs, so the first
 * packet of each finds its entry (its server, its NAT) there.
 */
public final class ConntrackSync implements FlowStateSync, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ConntrackSync.class);

    private final Path dir;
    private final Path conf;
    private final Process daemon;

    private ConntrackSync(Path dir, Process daemon) {
        this.dir = dir;
        this.conf = dir.resolve("conntrackd.conf");
        this.daemon = daemon;
    }

    /**
     * Writes the configuration into {@code dir}, ends the conntrackd a previous life of this node
     * left there, and starts one.
     *
     * @throws IllegalStateException naming what is missing or what conntrackd said
     */
    public static ConntrackSync start(ConntrackSyncConfig c, Path dir) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        Path conf = dir.resolve("conntrackd.conf");
        Path log = dir.resolve("conntrackd.log");
        String iface = c.networkInterface().isEmpty() ? interfaceOf(c.address()) : c.networkInterface();
        endLeftover(dir, conf);
        Files.writeString(conf, ConntrackdConfig.render(c, iface, dir));
        Process p;
        try {
            p = new ProcessBuilder("conntrackd", "-C", conf.toString()).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        } catch (IOException e) {
            throw new IllegalStateException("ha.conntrack-sync needs conntrackd (package conntrackd): " + e.getMessage(), e);
        }
        Files.writeString(dir.resolve("conntrackd.pid"), Long.toString(p.pid()));
        ConntrackSync s = new ConntrackSync(dir, p);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!s.ask("-s").ok()) {
            if (!p.isAlive() || System.nanoTime() > deadline) {
                p.destroyForcibly();
                throw new IllegalStateException("conntrackd did not start: " + tail(log));
            }
            Thread.sleep(50);
        }
        LOG.info("conntrack sync: conntrackd {} -> {} (udp {}, {}) started", c.address(), c.peer(), c.port(), iface);
        // A node starts as a backup: the master's flows, all of them, not just what changes from now.
        s.ask("-n");
        return s;
    }

    /** The interface that holds {@code address}, from {@code ip -o -4 addr}. */
    private static String interfaceOf(String address) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("ip", "-o", "-4", "addr", "show").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        p.waitFor(5, TimeUnit.SECONDS);
        for (String line : out.split("\n")) {
            String[] f = line.trim().split("\\s+");
            for (int i = 0; i + 1 < f.length; i++) {
                if (f[i].equals("inet") && f[i + 1].startsWith(address + "/")) {
                    return f[1].replaceAll("@.*$", "");
                }
            }
        }
        throw new IllegalStateException("ha.conntrack-sync: no interface holds " + address
                + "; set conntrack-sync.address to an address of this node");
    }

    /** A conntrackd still running with this node's configuration (the node was SIGKILLed) ends; its lock goes. */
    private static void endLeftover(Path dir, Path conf) throws IOException {
        Path pidFile = dir.resolve("conntrackd.pid");
        if (Files.exists(pidFile)) {
            try {
                long pid = Long.parseLong(Files.readString(pidFile).trim());
                ProcessHandle.of(pid).filter(h -> h.info().arguments().map(a -> List.of(a).contains(conf.toString())).orElse(false))
                        .ifPresent(h -> {
                            h.destroyForcibly();
                            h.onExit().orTimeout(5, TimeUnit.SECONDS).exceptionally(e -> null).join();
                            LOG.info("conntrack sync: ended conntrackd {} left by a previous run", pid);
                        });
            } catch (NumberFormatException e) {
                // Not ours to read: nothing to end.
            }
        }
        Files.deleteIfExists(dir.resolve("conntrackd.lock"));
        Files.deleteIfExists(dir.resolve("conntrackd.ctl"));
    }

    @Override
    public void beforeTakingVips() {
        // primary-backup.sh's "primary": commit what the old master sent, then start afresh from
        // the kernel's table and send it all to the backup.
        long start = System.nanoTime();
        Nft.Result commit = ask("-c");
        LOG.info("conntrack sync: committed the peer's flows to the kernel in {} ms{}",
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start), commit.ok() ? "" : " (conntrackd: " + commit.output() + ")");
        for (String step : List.of("-f", "-R", "-B")) {
            Nft.Result r = ask(step);
            if (!r.ok()) {
                LOG.warn("conntrack sync: conntrackd {} failed: {}", step, r.output());
            }
        }
    }

    @Override
    public void steppedDown() {
        // primary-backup.sh's "backup": the entries left here time out soon; ask for the master's.
        for (String step : List.of("-t", "-n")) {
            Nft.Result r = ask(step);
            if (!r.ok()) {
                LOG.warn("conntrack sync: conntrackd {} failed: {}", step, r.output());
            }
        }
    }

    private Nft.Result ask(String what) {
        return Nft.exec(List.of("conntrackd", "-C", conf.toString(), what), "");
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join(" | ", lines.subList(Math.max(0, lines.size() - 5), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    /** conntrackd stops; the flows it committed stay in the kernel. */
    @Override
    public void close() throws InterruptedException {
        daemon.destroy();
        if (!daemon.waitFor(5, TimeUnit.SECONDS)) {
            daemon.destroyForcibly();
        }
        try {
            Files.deleteIfExists(dir.resolve("conntrackd.pid"));
        } catch (IOException e) {
            LOG.debug("cannot remove {}: {}", dir.resolve("conntrackd.pid"), e.toString());
        }
    }
}

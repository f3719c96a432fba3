package org.l4lb.tcp.kernel;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.l4lb.core.config.ServerAddress;
import org.l4lb.core.upstream.ServerState;
import org.l4lb.tcp.proxy.Service;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The kernel data path (forwarding = kernel): keeps the nftables table in step with the services'
 * servers, their health, admin states and weights. Every {@link #PERIOD_MS} it renders the
 * ruleset and, when it differs from the one in force, replaces it in one transaction; nothing
 * here runs on an event loop. The table goes on a clean stop, and a start removes what a crash
 * left.
 */
public final class KernelForwarding implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(KernelForwarding.class);
    static final long PERIOD_MS = 250;

    private final Supplier<List<Service>> services;
    private final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "l4lb-kernel");
        t.setDaemon(true);
        return t;
    });
    /** The table's structure and choices in force; empty when none is. */
    private String appliedStructure = "";
    private List<String> appliedChoices = List.of();

    private KernelForwarding(Supplier<List<Service>> services) {
        this.services = services;
    }

    /**
     * Checks what the kernel path needs, removes a previous life's table, installs the ruleset and
     * keeps it in step from then on.
     *
     * @throws IllegalStateException naming what is missing
     */
    public static KernelForwarding start(Supplier<List<Service>> services) {
        String missing = missing();
        if (missing != null) {
            throw new IllegalStateException("forwarding = kernel: " + missing);
        }
        KernelForwarding k = new KernelForwarding(services);
        k.sync();
        k.thread.scheduleWithFixedDelay(k::syncQuietly, PERIOD_MS, PERIOD_MS, TimeUnit.MILLISECONDS);
        return k;
    }

    /** What this machine lacks for the kernel path, or null. */
    public static String missing() {
        try {
            String forward = Files.readString(Path.of("/proc/sys/net/ipv4/ip_forward")).trim();
            if (!forward.equals("1")) {
                return "needs net.ipv4.ip_forward = 1 (sysctl -w net.ipv4.ip_forward=1), it is " + forward;
            }
        } catch (IOException e) {
            return "cannot read net.ipv4.ip_forward: " + e.getMessage();
        }
        Nft.Result r = Nft.run("list tables\n");
        if (!r.ok()) {
            return "needs nft (nftables) and CAP_NET_ADMIN: " + r.output();
        }
        return null;
    }

    private void syncQuietly() {
        try {
            sync();
        } catch (RuntimeException e) {
            LOG.error("kernel forwarding: cannot update the ruleset", e);
        }
    }

    /** Renders the ruleset and applies it if it changed. */
    synchronized void sync() {
        List<KernelRuleset.Service> kernel = new ArrayList<>();
        long now = System.nanoTime();
        for (Service s : services.get()) {
            if (s.config().forwarding().kernel()) {
                kernel.add(view(s, now));
            }
        }
        String structure = KernelRuleset.structure(kernel);
        List<String> choices = KernelRuleset.choices(kernel);
        if (structure.equals(appliedStructure) && choices.equals(appliedChoices)) {
            return;
        }
        // The limits' counts live in their rules: while they are the same, only the choices change.
        boolean whole = !structure.equals(appliedStructure);
        Nft.Result r = Nft.run(whole ? KernelRuleset.render(kernel) : KernelRuleset.renderChoices(choices));
        if (r.ok()) {
            appliedStructure = structure;
            appliedChoices = choices;
            LOG.info("kernel forwarding: {} ({})", whole ? "table replaced" : "choices replaced", summary(kernel));
        } else {
            appliedStructure = ""; // the next try replaces the whole table
            LOG.error("kernel forwarding: nft refused the ruleset: {}", r.output());
        }
    }

    /** The servers that take new flows: the eligible primaries, or, with none, the eligible backups. */
    private static KernelRuleset.Service view(Service s, long now) {
        List<KernelRuleset.Target> primary = new ArrayList<>();
        List<KernelRuleset.Target> backup = new ArrayList<>();
        for (ServerState v : s.upstream().servers()) {
            if (!v.eligible(now) || !(v.config().address() instanceof ServerAddress.Tcp t)) {
                continue;
            }
            int w = v.effectiveWeight(now);
            if (w > 0) {
                (v.config().backup() ? backup : primary).add(new KernelRuleset.Target(t.endpoint().host(), t.endpoint().port(), w));
            }
        }
        return new KernelRuleset.Service(s.name(), s.config().listen(), s.config().balance().strategy(),
                s.config().balance().hashKey(), s.config().forwarding().nat(), primary.isEmpty() ? backup : primary,
                s.config().maxConnections(), s.config().maxConnectionsPerClient());
    }

    private static String summary(List<KernelRuleset.Service> services) {
        StringBuilder b = new StringBuilder();
        for (KernelRuleset.Service s : services) {
            if (b.length() > 0) {
                b.append("; ");
            }
            b.append(s.name()).append(": ");
            b.append(s.targets().isEmpty() ? "no server" : String.join(", ", s.targets().stream()
                    .map(t -> t.address() + ":" + t.port() + " w=" + t.weight()).toList()));
        }
        return b.toString();
    }

    /** Stops following the services and removes the table: the kernel forwards nothing of ours any more. */
    @Override
    public synchronized void close() {
        thread.shutdownNow();
        Nft.Result r = Nft.run(KernelRuleset.removal());
        if (!r.ok()) {
            LOG.error("kernel forwarding: cannot remove table ip {}: {}", KernelRuleset.TABLE, r.output());
        }
        appliedStructure = "";
        appliedChoices = List.of();
    }

    /** {@code nft -f -} with the script on its standard input. */
    static final class Nft {

        record Result(boolean ok, String output) {
        }

        private Nft() {
        }

        static Result run(String script) {
            try {
                Process p = new ProcessBuilder("nft", "-f", "-").redirectErrorStream(true).start();
                p.getOutputStream().write(script.getBytes(StandardCharsets.UTF_8));
                p.getOutputStream().close();
                String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
                if (!p.waitFor(10, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    return new Result(false, "nft did not answer within 10 s");
                }
                return new Result(p.exitValue() == 0, out);
            } catch (IOException e) {
                return new Result(false, e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return new Result(false, "interrupted");
            }
        }
    }
}

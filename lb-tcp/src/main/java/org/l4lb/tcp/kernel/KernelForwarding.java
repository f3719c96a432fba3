package org.l4lb.tcp.kernel;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.l4lb.core.config.NatMode;
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
    /** Each counter rule's totals when last read, by its comment. */
    private final Map<String, KernelCounters.Count> lastCounts = new HashMap<>();
    private int ticks;
    /** The table's structure and choices in force; empty when none is. */
    private String appliedStructure = "";
    private List<String> appliedChoices = List.of();
    /** The services of the table in force, in its order: the sticky maps' owners. */
    private List<String> appliedNames = List.of();
    /** Each service's servers that took new flows in the table in force, by name. */
    private Map<String, Set<String>> appliedTargets = Map.of();
    private boolean warnedConntrack;
    /** The servers' MAC addresses for direct server return. */
    private final Neighbours neighbours = new Neighbours();

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
        String refused = k.sync();
        if (refused != null) {
            k.thread.shutdownNow();
            throw new IllegalStateException("forwarding = kernel: nft refused the ruleset: " + refused);
        }
        k.thread.scheduleWithFixedDelay(k::tick, PERIOD_MS, PERIOD_MS, TimeUnit.MILLISECONDS);
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
        Nft.Result c = Nft.exec(List.of("conntrack", "-C"), "");
        if (!c.ok()) {
            return "needs the conntrack tool (package conntrack) to count open flows per server: " + c.output();
        }
        return null;
    }

    /**
     * Every period the ruleset; every {@link #COUNT_EVERY}th the counters and open flows, or every
     * period while a server has max-conns (it leaves the map when full).
     */
    private void tick() {
        try {
            boolean often = services.get().stream().anyMatch(s -> s.config().forwarding().kernel()
                    && s.config().servers().stream().anyMatch(v -> v.maxConns() > 0));
            if (often || (ticks + 1) % COUNT_EVERY == 0) {
                try {
                    openFlows();
                } catch (RuntimeException e) {
                    // The open flows are the metrics' and max-conns': the ruleset goes on being kept.
                    LOG.warn("kernel forwarding: cannot count the open flows", e);
                }
            }
            sync();
            if (++ticks % COUNT_EVERY == 0) {
                count();
            }
        } catch (RuntimeException e) {
            LOG.error("kernel forwarding: cannot update the ruleset", e);
        }
    }

    /** Every 2 s: what /metrics and /status show of the servers comes from the counters. */
    private static final int COUNT_EVERY = 8;

    /**
     * Adds what the kernel counted since the last read to each server's sessions, packets and bytes:
     * bytes of the IP packets (headers included), new flows (the first packets) as sessions.
     */
    synchronized void count() {
        if (appliedStructure.isEmpty()) {
            return;
        }
        Nft.Result r = Nft.list("chain", "ip", KernelRuleset.TABLE, "count");
        if (!r.ok()) {
            LOG.warn("kernel forwarding: cannot read the counters: {}", r.output());
            return;
        }
        Map<String, KernelCounters.Count> now = KernelCounters.parse(r.output());
        Map<String, Service> byName = new HashMap<>();
        for (Service s : services.get()) {
            byName.put(s.name(), s);
        }
        now.forEach((comment, value) -> {
            KernelCounters.Count delta = value.since(lastCounts.getOrDefault(comment, KernelCounters.Count.ZERO));
            lastCounts.put(comment, value);
            KernelCounters.Key k = KernelCounters.key(comment);
            Service s = k == null ? null : byName.get(k.service());
            if (s == null || delta.packets() == 0) {
                return;
            }
            for (ServerState v : s.upstream().servers()) {
                if (v.name().equals(k.server())) {
                    switch (k.kind()) {
                        case TO_SERVER -> {
                            v.addBytes(delta.bytes(), 0);
                            v.addPackets(delta.packets(), 0);
                        }
                        case TO_CLIENT -> {
                            v.addBytes(0, delta.bytes());
                            v.addPackets(0, delta.packets());
                        }
                        case FLOWS -> v.addFlows(delta.packets());
                    }
                }
            }
        });
    }

    /**
     * Sets each kernel server's open sessions to its open flows in the conntrack table, listed per
     * listener (conntrack filters by the original destination), not the whole table: a node under
     * load holds an entry for every flow of the last two minutes (TIME_WAIT).
     */
    synchronized void openFlows() {
        for (Service s : services.get()) {
            if (!s.config().forwarding().kernel() || s.config().forwarding().nat() == NatMode.DSR) {
                continue;
            }
            Map<OpenFlows.Key, Integer> flows;
            try {
                flows = OpenFlows.read(s.config().listen());
            } catch (IllegalStateException e) {
                if (!warnedConntrack) {
                    LOG.warn("kernel forwarding: cannot read the open flows: {}", e.getMessage());
                    warnedConntrack = true;
                }
                return;
            }
            for (ServerState v : s.upstream().servers()) {
                if (v.config().address() instanceof ServerAddress.Tcp t) {
                    v.openFlows(OpenFlows.to(flows, t.endpoint().host(), t.endpoint().port()));
                }
            }
        }
    }

    /** Renders the ruleset and applies it if it changed; what nft said when it refused, else null. */
    synchronized String sync() {
        List<KernelRuleset.Service> kernel = new ArrayList<>();
        long now = System.nanoTime();
        for (Service s : services.get()) {
            if (s.config().forwarding().kernel()) {
                KernelRuleset.Service v = view(s, now);
                kernel.add(v.dsr() ? linked(v) : v);
            }
        }
        String structure = KernelRuleset.structure(kernel) + KernelRuleset.directReturnTable(kernel);
        List<String> choices = KernelRuleset.choices(kernel);
        if (structure.equals(appliedStructure) && choices.equals(appliedChoices)) {
            return null;
        }
        // The limits' counts live in their rules: while they are the same, only the choices change.
        boolean whole = !structure.equals(appliedStructure);
        List<String> carried = List.of();
        if (whole) {
            count(); // what the old counters hold, before they go with the table
            lastCounts.clear();
            if (!appliedStructure.isEmpty()) {
                carried = StickyClients.carry(remembered(null), appliedNames, kernel);
            }
        }
        Nft.Result r = Nft.run(whole ? KernelRuleset.render(kernel, carried) : KernelRuleset.renderChoices(choices));
        if (r.ok()) {
            appliedStructure = structure;
            appliedChoices = choices;
            appliedNames = kernel.stream().map(KernelRuleset.Service::name).toList();
            Map<String, Set<String>> before = appliedTargets;
            appliedTargets = new HashMap<>();
            for (KernelRuleset.Service s : kernel) {
                appliedTargets.put(s.name(), new HashSet<>(s.targets().stream().map(KernelRuleset.Target::element).toList()));
            }
            if (!whole) {
                forgetGone(kernel, before);
            }
            LOG.info("kernel forwarding: {} ({})", whole ? "table replaced" : "choices replaced", summary(kernel));
            return null;
        }
        appliedStructure = ""; // the next try replaces the whole table
        LOG.error("kernel forwarding: nft refused the ruleset: {}", r.output());
        return r.output();
    }

    /**
     * The remembered clients in the table in force: of the sticky map {@code only}, or of every
     * one when null. Empty when they cannot be read.
     */
    private static List<StickyClients.Entry> remembered(String only) {
        Nft.Result r = only == null ? Nft.list("table", "ip", KernelRuleset.TABLE) : Nft.list("map", "ip", KernelRuleset.TABLE, only);
        if (!r.ok()) {
            LOG.warn("kernel forwarding: cannot read the remembered clients: {}", r.output());
            return List.of();
        }
        try {
            return StickyClients.parse(r.output());
        } catch (IllegalStateException e) {
            LOG.warn("kernel forwarding: {}", e.getMessage());
            return List.of();
        }
    }

    /**
     * Forgets the remembered clients of servers that left the map, once the new choices are in
     * force: from then on no new entry can name such a server (the persistence rule only records
     * flows to servers that take them).
     */
    private void forgetGone(List<KernelRuleset.Service> kernel, Map<String, Set<String>> before) {
        Map<Integer, Set<String>> live = new HashMap<>();
        List<StickyClients.Entry> entries = new ArrayList<>();
        for (int n = 0; n < kernel.size(); n++) {
            KernelRuleset.Service s = kernel.get(n);
            Set<String> now = appliedTargets.get(s.name());
            // Only a service that lost a server has clients to forget: a ramp's step or a new server has none.
            if (s.persistence().on() && !now.containsAll(before.getOrDefault(s.name(), Set.of()))) {
                live.put(n, now);
                entries.addAll(remembered("sticky_" + n));
            }
        }
        List<String> forget = StickyClients.forget(entries, live);
        if (forget.isEmpty()) {
            return;
        }
        if (!Nft.run(String.join("\n", forget) + "\n").ok()) {
            // One had timed out meanwhile, which fails the whole batch: one by one, the rest still go.
            forget.forEach(c -> Nft.run(c + "\n"));
        }
        LOG.info("kernel forwarding: forgot {} remembered client(s) of servers that take no new flows", forget.size());
    }

    /**
     * A direct-server-return service with its servers' MAC addresses and the interface they are
     * on (the first server's): a server not on that link, or whose address is not resolved yet,
     * takes no flow this round.
     */
    private KernelRuleset.Service linked(KernelRuleset.Service s) {
        String device = null;
        List<KernelRuleset.Target> targets = new ArrayList<>();
        for (KernelRuleset.Target t : s.targets()) {
            Neighbours.Known k = neighbours.lookup(t.address(), t.port());
            if (k == null || (device != null && !device.equals(k.device()))) {
                continue;
            }
            device = k.device();
            targets.add(new KernelRuleset.Target(t.address(), t.port(), t.weight(), 0, k.mac()));
        }
        String mac = device == null ? null : Neighbours.ownMac(device);
        KernelRuleset.Link link = mac == null ? null : new KernelRuleset.Link(device, mac);
        return new KernelRuleset.Service(s.name(), s.listen(), s.strategy(), s.hashKey(), s.nat(), targets, 0, 0, List.of(),
                s.refused(), KernelRuleset.Persistence.NONE, link);
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
        List<KernelRuleset.Target> counted = new ArrayList<>();
        for (ServerState v : s.upstream().servers()) {
            if (v.config().address() instanceof ServerAddress.Tcp t) {
                counted.add(new KernelRuleset.Target(t.endpoint().host(), t.endpoint().port(), 0, v.config().maxConns()));
            }
        }
        Duration p = s.config().balance().persistenceTimeout();
        KernelRuleset.Persistence persistence = p.isZero() ? KernelRuleset.Persistence.NONE
                : new KernelRuleset.Persistence(Math.max(1, (p.toMillis() + 999) / 1000), s.config().balance().persistenceMaxEntries());
        return new KernelRuleset.Service(s.name(), s.config().listen(), s.config().balance().strategy(),
                s.config().balance().hashKey(), s.config().forwarding().nat(), primary.isEmpty() ? backup : primary,
                s.config().maxConnections(), s.config().maxConnectionsPerClient(), counted,
                RefusedRanges.of(s.config().access()), persistence);
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
        appliedNames = List.of();
        appliedTargets = Map.of();
    }
}

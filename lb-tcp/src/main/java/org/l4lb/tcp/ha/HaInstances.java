package org.l4lb.tcp.ha;

import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.function.IntSupplier;
import java.util.function.Supplier;
import org.l4lb.core.config.HaConfig;
import org.l4lb.ha.HaNode;
import org.l4lb.ha.election.MasterDown;
import org.l4lb.ha.track.SyncGroup;
import org.l4lb.tcp.kernel.ConntrackSync;
import org.l4lb.tcp.proxy.Service;

/**
 * This node's VRRP instances (keepalived's {@code vrrp_instance} blocks): each is an {@link HaNode}
 * of its own, with its group, cluster port, priority, VIPs, tracking and notify script, so one node
 * can be master of one VIP and backup of another. Instances of a sync group share their tracking.
 */
public final class HaInstances implements AutoCloseable {

    /** One instance and the settings in force (a reload's, once it applied them). */
    public record Instance(HaConfig config, HaNode node) {

        public String name() {
            return config.name();
        }
    }

    /** Replaced whole by a reload, read by /status without a lock. */
    private volatile List<Instance> all;
    /** Null unless ha.conntrack-sync is on. */
    private volatile ConntrackSync flows;

    private HaInstances(List<Instance> all) {
        this.all = List.copyOf(all);
    }

    /**
     * Builds every instance. The first one also keeps the other members' persistence tables in
     * step: the services are the node's, shared by its instances, and every member of any group is
     * a member of the first.
     */
    public static HaInstances create(List<HaConfig> configs, String nodeName, Function<String, Optional<Service>> services,
            Supplier<List<Service>> running, IntSupplier openSessions) throws UnknownHostException {
        List<Instance> made = new ArrayList<>();
        Map<String, SyncGroup> groups = new LinkedHashMap<>();
        try {
            for (HaConfig c : configs) {
                HaNode node = HaSupport.create(c, nodeName, services, running, openSessions, made.isEmpty());
                made.add(new Instance(c, node));
                if (!c.syncGroup().isEmpty()) {
                    groups.computeIfAbsent(c.syncGroup(), SyncGroup::new).join(c.name(), node.tracking());
                }
            }
        } catch (UnknownHostException | RuntimeException e) {
            closeAll(made);
            throw e;
        }
        return new HaInstances(made);
    }

    public List<Instance> all() {
        return all;
    }

    /** The first instance: the one /status has always shown as {@code ha}. */
    public HaNode first() {
        return all.get(0).node();
    }

    /**
     * The kernel's flow table follows the first instance's VIPs from now on: committed before it
     * takes them, left to the peer when it steps down. Closed after the instances.
     */
    public void syncFlows(ConntrackSync sync) {
        flows = sync;
        first().flowStateSync(sync);
    }

    /** Builds every instance's cluster stack, on their own threads, while the node warms up. */
    public void prepare() {
        all.forEach(i -> i.node().prepare());
    }

    /** Joins every group, in the order written. */
    public void start() throws Exception {
        for (Instance i : all) {
            i.node().start();
        }
    }

    /**
     * Planned switchover of every instance at once: each steps down and waits until another node
     * holds its VIPs (and their gratuitous ARPs have gone out), bounded by its own advert interval.
     */
    public void handOver() throws InterruptedException {
        List<CompletableFuture<Void>> moves = new ArrayList<>();
        for (Instance i : all) {
            moves.add(CompletableFuture.runAsync(() -> {
                try {
                    i.node().handOver(MasterDown.of(i.config().advertInterval()));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, r -> new Thread(r, "l4lb-handover-" + i.name()).start()));
        }
        for (CompletableFuture<Void> m : moves) {
            try {
                m.get();
            } catch (java.util.concurrent.ExecutionException e) {
                throw new IllegalStateException("hand-over failed", e.getCause());
            }
        }
    }

    /**
     * Applies what a reload changed of the settings each instance can take live; the instances
     * themselves (their names) are the same, or the reload needed a restart.
     */
    public List<String> reload(List<HaConfig> running, List<HaConfig> next, Function<String, Optional<Service>> services) {
        List<String> changes = new ArrayList<>();
        List<Instance> now = all;
        List<Instance> after = new ArrayList<>();
        for (int n = 0; n < now.size(); n++) {
            HaNode node = now.get(n).node();
            String prefix = now.size() == 1 ? "" : "instance " + now.get(n).name() + ": ";
            HaSupport.reload(node, running.get(n), next.get(n), services).forEach(c -> changes.add(prefix + c));
            after.add(new Instance(next.get(n), node));
        }
        all = List.copyOf(after);
        return changes;
    }

    @Override
    public void close() throws InterruptedException {
        closeAll(all);
        ConntrackSync sync = flows;
        flows = null;
        if (sync != null) {
            sync.close();
        }
    }

    private static void closeAll(List<Instance> instances) {
        InterruptedException interrupted = null;
        for (Instance i : instances) {
            try {
                i.node().close();
            } catch (InterruptedException e) {
                interrupted = e;
            }
        }
        if (interrupted != null) {
            Thread.currentThread().interrupt();
        }
    }
}

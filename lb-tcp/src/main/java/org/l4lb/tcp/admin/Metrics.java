package org.l4lb.tcp.admin;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.netty.util.internal.PlatformDependent;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import io.micrometer.core.instrument.Meter;
import org.l4lb.core.upstream.AdminState;
import org.l4lb.core.upstream.ServerState;
import org.l4lb.ha.HaNode;
import org.l4lb.ha.election.HaState;
import org.l4lb.tcp.ha.HaInstances;
import org.l4lb.tcp.admission.Refusal;
import org.l4lb.tcp.proxy.EarlyDataBudget;
import org.l4lb.tcp.proxy.Service;
import org.l4lb.tcp.proxy.SessionEnd;

/**
 * The node's metrics in Prometheus form. Meters read the counters the data path keeps anyway
 * (function counters and gauges), so the hot path does no extra metric work.
 */
public final class Metrics {

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    /** The meters of each service and server, by identity, so those that leave can be removed. */
    private final Map<Object, List<Meter>> meters = new IdentityHashMap<>();

    /** @param ha this node's instances, each gauge tagged with its name; null when HA is off */
    public Metrics(List<Service> services, HaInstances ha, EarlyDataBudget earlyData) {
        if (ha != null) {
            for (HaInstances.Instance i : ha.all()) {
                HaNode node = i.node();
                String instance = i.name();
                for (HaState st : HaState.values()) {
                    Gauge.builder("l4lb.ha.state", node, n -> n.status().state() == st ? 1 : 0).tag("state", st.name())
                            .tag("instance", instance).description("1 for this node's current HA state").register(registry);
                }
                Gauge.builder("l4lb.ha.view.size", node, n -> n.status().viewSize()).tag("instance", instance)
                        .description("Members in the cluster view").register(registry);
                Gauge.builder("l4lb.ha.priority.effective", node, n -> n.status().effectivePriority()).tag("instance", instance)
                        .description("Priority after tracking").register(registry);
                FunctionCounter.builder("l4lb.ha.transitions", node, n -> n.status().transitions()).tag("instance", instance)
                        .description("HA state transitions").register(registry);
            }
        }
        new JvmMemoryMetrics().bindTo(registry);
        new JvmGcMetrics().bindTo(registry);
        // Netty's pooled direct buffers bypass the JVM's buffer-pool accounting: count them here.
        Gauge.builder("l4lb.netty.direct.memory.used", PlatformDependent::usedDirectMemory).baseUnit("bytes")
                .description("Direct memory Netty holds (pooled buffers included)").register(registry);
        Gauge.builder("l4lb.early.data.held", earlyData, EarlyDataBudget::held).baseUnit("bytes")
                .description("Memory held by what clients sent before their server connection was up (early-data-budget)")
                .register(registry);
        Gauge.builder("l4lb.early.data.limit", earlyData, EarlyDataBudget::limit).baseUnit("bytes")
                .description("early-data-budget: past it, such clients are not read until connected").register(registry);
        sync(services);
    }

    /**
     * Registers the meters of services and servers that are new and removes those of the ones
     * that are gone (a reload, a server added or removed). A service or server that stays keeps its
     * meters, which read the same counters as before: counters never go back.
     */
    public synchronized void sync(List<Service> services) {
        Set<Object> live = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
        for (Service svc : services) {
            live.add(svc);
            live.addAll(svc.upstream().servers());
        }
        // Removed first: a new object under a name that left must get meters of its own, not the
        // registry's old ones, which read the object that left.
        for (var it = meters.entrySet().iterator(); it.hasNext(); ) {
            var e = it.next();
            if (!live.contains(e.getKey())) {
                e.getValue().forEach(registry::remove);
                it.remove();
            }
        }
        for (Service svc : services) {
            meters.computeIfAbsent(svc, k -> register(svc));
            for (ServerState server : svc.upstream().servers()) {
                meters.computeIfAbsent(server, k -> register(svc, server));
            }
        }
    }

    private List<Meter> register(Service svc) {
        List<Meter> m = new ArrayList<>();
        Tags t = Tags.of("service", svc.name());
        m.add(Gauge.builder("l4lb.service.sessions.active", svc, Service::activeSessions).tags(t)
                .description("Client sessions open now").register(registry));
        m.add(FunctionCounter.builder("l4lb.service.sessions", svc, Service::totalSessions).tags(t)
                .description("Client sessions admitted").register(registry));
        m.add(Gauge.builder("l4lb.service.persistence.entries", svc,
                        s -> s.upstream().persistence().map(p -> p.size()).orElse(0))
                .tags(t).description("Clients persistence binds to a server, learned from other members included")
                .register(registry));
        m.add(FunctionCounter.builder("l4lb.service.retries", svc, Service::retries).tags(t)
                .description("Connects retried on another server (next-upstream)").register(registry));
        for (Refusal r : Refusal.values()) {
            m.add(FunctionCounter.builder("l4lb.service.refused", svc, s -> s.refusals(r)).tags(t.and("reason", r.label()))
                    .description("Client connections refused before reaching a server").register(registry));
        }
        for (SessionEnd e : SessionEnd.values()) {
            m.add(FunctionCounter.builder("l4lb.service.sessions.ended", svc, s -> s.ends(e)).tags(t.and("end", e.label()))
                    .description("Sessions by how they ended").register(registry));
        }
        return m;
    }

    private List<Meter> register(Service svc, ServerState server) {
        List<Meter> m = new ArrayList<>();
        Tags st = Tags.of("service", svc.name(), "server", server.name());
        m.add(Gauge.builder("l4lb.server.sessions.active", server, ServerState::sessions).tags(st).register(registry));
        m.add(FunctionCounter.builder("l4lb.server.sessions", server, ServerState::totalSessions).tags(st).register(registry));
        m.add(FunctionCounter.builder("l4lb.server.bytes", server, ServerState::bytesToServer)
                .tags(st.and("direction", "to-server")).register(registry));
        m.add(FunctionCounter.builder("l4lb.server.bytes", server, ServerState::bytesToClient)
                .tags(st.and("direction", "to-client")).register(registry));
        if (svc.config().forwarding().kernel()) {
            m.add(FunctionCounter.builder("l4lb.server.packets", server, ServerState::packetsToServer)
                    .tags(st.and("direction", "to-server")).description("IP packets the kernel forwarded").register(registry));
            m.add(FunctionCounter.builder("l4lb.server.packets", server, ServerState::packetsToClient)
                    .tags(st.and("direction", "to-client")).description("IP packets the kernel forwarded").register(registry));
        }
        m.add(FunctionCounter.builder("l4lb.server.connect.failures", server, ServerState::connectFailures).tags(st)
                .description("Failed connects (refused, reset, timed out)").register(registry));
        m.add(Gauge.builder("l4lb.server.health.up", server, s -> s.activeUp() ? 1 : 0).tags(st)
                .description("Active health check state (1 up)").register(registry));
        m.add(Gauge.builder("l4lb.server.eligible", server, s -> s.eligible(System.nanoTime()) ? 1 : 0).tags(st)
                .description("Whether it may take a new session now").register(registry));
        m.add(Gauge.builder("l4lb.server.weight", server, ServerState::weight).tags(st)
                .description("Runtime weight now (a ramp moves it)").register(registry));
        m.add(Gauge.builder("l4lb.server.admin.enabled", server, s -> s.admin() == AdminState.ENABLED ? 1 : 0).tags(st)
                .register(registry));
        return m;
    }

    public String scrape() {
        return registry.scrape();
    }
}

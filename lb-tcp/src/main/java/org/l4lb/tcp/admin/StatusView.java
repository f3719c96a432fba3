package org.l4lb.tcp.admin;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.l4lb.core.upstream.ServerState;
import org.l4lb.ha.instance.ElectionMachine;
import org.l4lb.ha.instance.Peer;
import org.l4lb.tcp.admin.history.History;
import org.l4lb.tcp.admin.history.Timeline;
import org.l4lb.tcp.admission.Refusal;
import org.l4lb.tcp.ha.HaInstances;
import org.l4lb.tcp.proxy.Service;

/** What GET /status shows, as plain records Jackson writes as JSON. */
record StatusView(String node, String version, String transport, boolean splice, int openSessions,
        HaView ha, List<HaView> haInstances, List<ServiceView> services, int eventLoops, String startedAt, long uptimeMs,
        List<Timeline.Event> events, HistoryView history) {

    /** The graphs' samples after the {@code since} a client asked for, every {@code intervalMs}; null when not asked. */
    record HistoryView(long intervalMs, int capacity, List<History.Sample> samples) {
    }

    /**
     * One VRRP instance; {@code ha} is the first (the only one without {@code ha.instances}), and
     * {@code haInstances} every one. Both null when HA is off.
     */
    record HaView(String instance, String group, List<String> virtualIps, String syncGroup, String state, String master,
            int priority, int effectivePriority, int viewSize, long transitions, String reason, boolean handingOff,
            String passingTo, List<String> lowered, List<Peer> peers) {
    }

    /**
     * @param newSessionsPerSec over the last sample's interval (0 before the first)
     * @param bytesInPerSec client to server
     * @param refused client connections refused before reaching a server, by reason
     */
    record ServiceView(String name, List<String> listen, String strategy, int activeSessions, long totalSessions,
            long retries, List<ServerView> servers, double newSessionsPerSec, double bytesInPerSec, double bytesOutPerSec,
            Map<String, Long> refused, String forwarding) {
    }

    /**
     * @param state one word: up, down (health or passive), draining, disabled, or weight-0 (takes nothing new)
     * @param weight the runtime weight now; {@code targetWeight} and {@code rampLeftMs} while a ramp runs
     * @param lastChange what changed last, why and when (ISO-8601); null until something did
     */
    record ServerView(String name, String state, boolean backup, int configuredWeight, int weight, int effectiveWeight,
            int targetWeight, long rampLeftMs, String admin, boolean healthUp, boolean passiveUp, int passiveFails,
            boolean eligible, int activeSessions, long totalSessions, long connectFailures, long bytesToServer,
            long bytesToClient, String lastChange, String lastChangeReason, String lastChangeAt) {
    }

    /** @param since the graphs' samples after this time (epoch ms) go in {@code history}; null: no history */
    static StatusView of(NodeState node, String version, Long since) {
        long now = System.nanoTime();
        History.Sample latest = node.history().latest();
        List<ServiceView> services = node.services().stream().map(s -> service(s, now, latest)).toList();
        List<HaView> instances = null;
        if (node.ha() != null) {
            instances = node.ha().all().stream().map(StatusView::instance).toList();
        }
        long wall = System.currentTimeMillis();
        return new StatusView(node.name(), version, node.transport().name(), node.splice(),
                node.openSessions(), instances == null ? null : instances.get(0), instances, services, node.eventLoops(),
                java.time.Instant.ofEpochMilli(node.startedAtMillis()).toString(), wall - node.startedAtMillis(),
                node.timeline().events(), since == null ? null
                        : new HistoryView(History.INTERVAL_MS, History.CAPACITY, node.history().since(since)));
    }

    private static HaView instance(HaInstances.Instance i) {
        ElectionMachine.Status st = i.node().status();
        return new HaView(i.name(), i.config().group(), i.config().virtualIps(), i.config().syncGroup().isEmpty() ? null
                : i.config().syncGroup(), st.state().name(), st.master() == null ? null : st.master().text(), st.priority(),
                st.effectivePriority(), st.viewSize(), st.transitions(), st.lastReason(), st.handingOff(), st.passingTo(),
                i.node().tracking().failing(), st.peers());
    }

    private static ServiceView service(Service s, long now, History.Sample latest) {
        History.Rates r = latest == null ? null : latest.services().get(s.name());
        Map<String, Long> refused = new LinkedHashMap<>();
        for (Refusal why : Refusal.values()) {
            refused.put(why.label(), s.refusals(why));
        }
        return new ServiceView(s.name(), s.config().listen().stream().map(Object::toString).toList(),
                s.config().balance().strategy().configName(), s.activeSessions(), s.totalSessions(), s.retries(),
                s.upstream().servers().stream().map(v -> server(v, now)).toList(), r == null ? 0 : r.newSessions(),
                r == null ? 0 : r.bytesIn(), r == null ? 0 : r.bytesOut(), refused, forwarding(s));
    }

    /** "proxy", or "kernel (full NAT)" / "kernel (destination NAT)". */
    private static String forwarding(Service s) {
        var f = s.config().forwarding();
        return f.kernel() ? "kernel (" + f.nat().configName() + " NAT)" : "proxy";
    }

    private static ServerView server(ServerState v, long now) {
        var ramp = v.ramp();
        var last = v.lastChange();
        return new ServerView(v.name(), state(v, now), v.config().backup(), v.config().weight(), v.weight(),
                v.effectiveWeight(now), v.targetWeight(), ramp == null ? 0 : ramp.leftNanos(now) / 1_000_000,
                v.admin().name().toLowerCase(java.util.Locale.ROOT), v.activeUp(), v.passiveAvailable(now),
                v.passiveFails(), v.eligible(now), v.sessions(), v.totalSessions(), v.connectFailures(),
                v.bytesToServer(), v.bytesToClient(), last == null ? null : last.change(), last == null ? null : last.reason(),
                last == null ? null : java.time.Instant.ofEpochMilli(last.epochMillis()).toString());
    }

    private static String state(ServerState v, long now) {
        if (v.admin() != org.l4lb.core.upstream.AdminState.ENABLED) {
            return v.admin().name().toLowerCase(java.util.Locale.ROOT);
        }
        if (v.config().down() || !v.activeUp() || !v.passiveAvailable(now)) {
            return "down";
        }
        return v.weight() == 0 && v.ramp() == null ? "weight-0" : "up";
    }
}

package org.l4lb.ha;

import java.io.IOException;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntSupplier;
import org.jgroups.Address;
import org.jgroups.BytesMessage;
import org.jgroups.JChannel;
import org.jgroups.Message;
import org.jgroups.Receiver;
import org.jgroups.View;
import org.l4lb.core.time.Ticker;
import org.l4lb.ha.cluster.Advert;
import org.l4lb.ha.cluster.ClusterChannel;
import org.l4lb.ha.cluster.ClusterSettings;
import org.l4lb.ha.election.Election;
import org.l4lb.ha.election.HaState;
import org.l4lb.ha.election.Member;
import org.l4lb.ha.election.NodeId;
import org.l4lb.ha.handoff.HandoffTarget;
import org.l4lb.ha.handoff.QuietHold;
import org.l4lb.ha.vip.VipManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One node of an HA group: joins the JGroups cluster, adverts its priority every advert-interval,
 * runs the {@link Election} on every advert, view change and tick, and moves the VIPs on each
 * transition. All election state lives on one thread; VIP commands run on another, in order.
 */
public final class HaNode implements Receiver, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(HaNode.class);
    /** Linux ignores a new MAC for a neighbour within locktime (1 s) of the entry's last change. */
    private static final long NEIGHBOUR_LOCKTIME_MS = 1000;

    /**
     * What the node reports of itself.
     *
     * @param handingOff stepped down, still serving the connections open on the VIPs
     * @param passingTo as master, the node that unknown flows are passed to ("" when none)
     */
    public record Status(HaState state, NodeId master, int priority, int effectivePriority, int viewSize,
            long transitions, String lastReason, boolean handingOff, String passingTo) {
    }

    private final ClusterSettings settings;
    private final NodeId self;
    /** These three a reload changes; the election thread reads them on its next tick. */
    private volatile int priority;
    private volatile boolean preempt;
    private volatile long preemptDelayNanos;
    /** Changed by a reload, on the election thread. */
    private volatile long advertNanos;
    private java.util.concurrent.ScheduledFuture<?> ticks;
    private final VipManager vips;
    private final Tracking tracking;
    private final Notifier notifier;
    private final Ticker ticker;
    private final ScheduledExecutorService timer;
    private final long releaseGraceMs;
    private final ExecutorService vipRunner;
    private final QuietHold hold;
    /** The node this master passes unknown flows to; null when none. */
    private volatile String passingTo;
    private final PeerAdverts peers;
    private final StallWatch stall;
    private final AtomicLong transitions = new AtomicLong();
    private JChannel channel;
    private View view;
    private long startedAt;
    private long lastAdvertSent;
    private long lastReannounce;
    private long preemptWaitSince = -1;
    private long advertSequence;
    private volatile boolean closed;
    private boolean leaving;
    private volatile HaState state = HaState.INIT;
    private volatile NodeId master;
    private volatile int effective;
    private volatile String lastReason = "starting";

    /**
     * @param releaseGrace how long a node that lost the role keeps the VIPs while the new master's
     *     gratuitous ARPs go out: Linux ignores a new ARP entry within locktime (1 s) of the last
     *     change, so the last of them may be the one that counts
     */
    public HaNode(ClusterSettings settings, NodeId self, int priority, boolean preempt, Duration preemptDelay,
            VipManager vips, Duration releaseGrace, Tracking tracking, String notifyScript, Ticker ticker) {
        this(settings, self, priority, preempt, preemptDelay, vips, releaseGrace, Duration.ZERO, () -> 0, tracking,
                notifyScript, ticker);
    }

    /**
     * @param handoffTimeout how long a master that stepped down keeps serving the connections open
     *     on the VIPs, when the VIP manager can hand them off
     * @param openSessions the sessions this node serves now
     */
    public HaNode(ClusterSettings settings, NodeId self, int priority, boolean preempt, Duration preemptDelay,
            VipManager vips, Duration releaseGrace, Duration handoffTimeout, IntSupplier openSessions, Tracking tracking,
            String notifyScript, Ticker ticker) {
        this.hold = new QuietHold(releaseGrace.toNanos(), handoffTimeout.toNanos(), openSessions);
        this.releaseGraceMs = releaseGrace.toMillis();
        this.settings = settings;
        this.self = self;
        this.priority = priority;
        this.preempt = preempt;
        this.preemptDelayNanos = preemptDelay.toNanos();
        this.advertNanos = settings.advertInterval().toNanos();
        this.peers = new PeerAdverts(advertNanos);
        this.stall = new StallWatch(advertNanos);
        this.vips = vips;
        this.tracking = tracking;
        this.notifier = new Notifier(notifyScript, settings.group(), org.l4lb.ha.vip.Commands.SYSTEM);
        this.ticker = ticker;
        this.effective = priority;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "l4lb-ha"));
        this.vipRunner = Executors.newSingleThreadExecutor(r -> daemon(r, "l4lb-vip"));
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    /**
     * Takes new election settings without leaving the cluster (a reload): the next advert carries
     * the new priority, and the next election uses the new preempt rules.
     */
    public void reconfigure(int priority, boolean preempt, Duration preemptDelay, String notifyScript) {
        int old = this.priority;
        this.priority = priority;
        this.preempt = preempt;
        this.preemptDelayNanos = preemptDelay.toNanos();
        notifier.script(notifyScript);
        if (old != priority) {
            LOG.info("HA: priority {} -> {} (reload)", old, priority);
        }
    }

    /**
     * Another advert interval (a reload), without leaving the cluster: adverts go out at the new
     * pace from the next tick, and the others' are judged by the longer of the two intervals (their
     * adverts carry theirs), so a reload done node after node marks nobody as gone.
     */
    public void advertInterval(Duration next) {
        timer.execute(() -> {
            long old = advertNanos;
            advertNanos = next.toNanos();
            peers.advertNanos(advertNanos);
            stall.advertNanos(advertNanos);
            if (ticks != null) {
                ticks.cancel(false);
                ticks = timer.scheduleAtFixedRate(() -> guarded(this::tick), 0, Math.max(1, advertNanos / 10),
                        TimeUnit.NANOSECONDS);
            }
            if (channel != null) {
                ClusterChannel.retime(channel, next.toMillis());
            }
            LOG.info("HA: advert interval {} -> {} ms (reload)", old / 1_000_000, next.toMillis());
        });
    }

    /** What lowers this node's priority; a reload replaces what it tracks. */
    public Tracking tracking() {
        return tracking;
    }

    /** Takes another list of VIPs (a reload), in order with the other VIP work; as master, adds the new ones. */
    public void virtualIps(java.util.List<String> next) {
        vipRunner.execute(() -> vips.virtualIps(next, state == HaState.MASTER));
    }

    /** Joins the group. A VIP a previous life of this node left behind is removed first. */
    public void start() throws Exception {
        vips.start();
        channel = ClusterChannel.create(settings);
        channel.setReceiver(this);
        channel.connect(settings.group());
        // Ticks at a tenth of the advert interval: a silent master is noticed within 3.1 intervals.
        ticks = timer.scheduleAtFixedRate(() -> guarded(this::tick), 0, Math.max(1, advertNanos / 10), TimeUnit.NANOSECONDS);
        LOG.info("HA: node {} joined group {} with priority {} ({} member(s) in view)", self, settings.group(), priority,
                channel.getView().size());
    }

    private void guarded(Runnable r) {
        if (closed) {
            return; // closing: decide nothing more, the VIPs are about to be released
        }
        try {
            r.run();
        } catch (RuntimeException e) {
            LOG.error("HA: unexpected error", e);
        }
    }

    @Override
    public void receive(Message msg) {
        Address from = msg.getSrc();
        if (from == null || from.equals(channel.getAddress())) {
            return;
        }
        Advert advert;
        try {
            advert = Advert.decode(msg.getArray());
        } catch (IOException | RuntimeException e) {
            LOG.warn("HA: dropped a message from {} that is no advert: {}", from, e.getMessage());
            return;
        }
        timer.execute(() -> guarded(() -> {
            long now = ticker.nanos();
            long silent = peers.keep(from, advert, now);
            if (silent < 0) {
                return;
            }
            evaluate("advert from " + advert.name());
            if (silent > 3 * advertNanos && state == HaState.MASTER) {
                // It was cut off long enough to have taken over on its side (a healed partition):
                // clients there may hold its ARP entry, so announce the VIPs again.
                reannounce(now, advert.name() + " is heard again after " + silent / 1_000_000 + " ms");
            }
        }));
    }

    @Override
    public void viewAccepted(View v) {
        timer.execute(() -> guarded(() -> {
            if (view == null) {
                // The wait for the others' adverts starts once this node is in the group: joining
                // can take longer than that wait (discovery, a loaded machine).
                startedAt = ticker.nanos();
            }
            view = v;
            // After a merge, whoever is master once all are heard since announces again.
            peers.viewChanged(v, ticker.nanos());
            LOG.info("HA: view {}", v);
            sendAdvert();
            evaluate("view change (" + v.size() + " member(s))");
        }));
    }

    private void tick() {
        long now = ticker.nanos();
        noticeStall(now);
        stall.ticked(now);
        if (now - lastAdvertSent >= advertNanos) {
            sendAdvert();
        }
        evaluate("tick");
        endHoldWhenDone(now);
    }

    private void endHoldWhenDone(long now) {
        if (!hold.active()) {
            return;
        }
        if (state == HaState.MASTER) {
            hold.end(); // master again: acquire answers ARP for the VIPs again
            sendAdvert();
        } else if (hold.over(now)) {
            int open = hold.openSessions();
            LOG.info("HA: handoff over after {} ms ({} session(s) open); releasing the VIPs", hold.heldMillis(now), open);
            hold.end();
            vipRunner.execute(this::releaseUnlessMaster);
            sendAdvert();
        }
    }

    private void releaseUnlessMaster() {
        if (state != HaState.MASTER) {
            vips.release();
        }
    }

    /**
     * Back from a stall, claiming or keeping MASTER on stale adverts would pull the clients back
     * before the event loops have worked off what queued in the kernel meanwhile, so the node
     * rejoins as a starting node would: as BACKUP, deciding once the others' current adverts are in.
     */
    private void noticeStall(long now) {
        long stalledMs = stall.stalledMillis(now);
        if (stalledMs < 0) {
            return;
        }
        LOG.warn("HA: this node did not run for {} ms (stopped or starved); rejoining as backup", stalledMs);
        if (state == HaState.MASTER) {
            transition(HaState.BACKUP, "did not run for " + stalledMs + " ms", "stall");
        }
    }

    private void sendAdvert() {
        if (channel == null || !channel.isConnected()) {
            return;
        }
        lastAdvertSent = ticker.nanos();
        Advert a = new Advert(self, settings.nodeName(), priority, leaving ? 0 : effective, state, state == HaState.FAULT,
                ++advertSequence, vips.handoffAddress().orElse(""), hold.active(), advertNanos / 1_000_000);
        try {
            // An advert is the latest state, not a log: no retransmission, no ordering, no bundling
            // delay. A lost one is replaced by the next; a partition heals without a backlog.
            Message m = new BytesMessage(null, a.encode());
            m.setFlag(Message.Flag.OOB, Message.Flag.NO_RELIABILITY, Message.Flag.DONT_BUNDLE);
            channel.send(m);
        } catch (Exception e) {
            LOG.debug("HA: advert not sent: {}", e.getMessage());
        }
    }

    private void evaluate(String trigger) {
        long now = ticker.nanos();
        noticeStall(now);
        int before = effective;
        effective = tracking.effective(priority);
        if (effective != before) {
            // Tell the others now, not at the next advert: a master whose tracked service came
            // back after a partition healed was otherwise judged on its old priority for up to
            // an interval, both nodes kept the role and their ARPs flapped the clients.
            sendAdvert();
        }
        String fault = tracking.fault();
        PeerAdverts.Summary peer = peers.summarize(view, channel.getAddress(), now);
        boolean alone = view != null && view.size() == 1;
        if (state == HaState.INIT && (view == null || (!peer.allHeard() || alone) && now - startedAt < 3 * advertNanos)) {
            // keepalived waits master_down_interval too: do not claim before hearing the others. An
            // advert can come before the first view; deciding on it then, alone, made a joining node
            // take the VIP from a living master for a moment. Alone in its first view is no proof
            // either: a join that timed out leaves a singleton that merges with the master later
            // (seen in the compose drill: both held the VIP for 2 s after a restart).
            return;
        }
        if (stall.holdsDecisions(now, view == null ? 0 : view.size())) {
            return; // a master heard once the wait is over keeps the role while the event loops catch up
        }
        Member me = new Member(self, priority, leaving ? 0 : effective, state == HaState.INIT ? HaState.BACKUP : state,
                fault != null, true);
        Election.Decision d = Election.decide(new Election.Input(me, peer.others(), preempt, preemptDelayNanos, now,
                preemptWaitSince));
        preemptWaitSince = d.preemptWaitSince();
        master = d.master();
        // Before the transition: a new master passes flows on before its ARPs move the clients.
        passUnknownFlowsTo(d.state() == HaState.MASTER ? HandoffTarget.choose(me, peer.freshOthers()) : null);
        if (d.state() != state) {
            transition(d.state(), fault != null ? "tracked " + fault + " failing" : d.reason(), trigger);
        } else if (state == HaState.MASTER && peer.otherMaster() && now - lastReannounce >= advertNanos) {
            // We met another master and won: clients may still hold its ARP entry.
            reannounce(now, "met another master and kept the role");
        } else if (state == HaState.MASTER && peer.mergePending() && peer.allHeard() && peer.allHeardSinceMerge()
                && peer.others().stream().noneMatch(m -> m.candidate() && m.beats(me))) {
            // Only the undisputed master: a loser announcing too would flap the clients between them.
            reannounce(now, "partition healed and this node is still master");
        }
        if (peer.allHeard() && peer.allHeardSinceMerge()) {
            peers.mergeSettled(); // a node that became master on it has just announced
        }
    }

    private void passUnknownFlowsTo(String target) {
        if (!Objects.equals(target, passingTo)) {
            passingTo = target;
            vipRunner.execute(() -> vips.passUnknownFlows(target));
        }
    }

    private void reannounce(long now, String why) {
        lastReannounce = now;
        LOG.info("HA: {}; announcing the VIPs again", why);
        // acquire, not just announce: while cut off, the node may have lost the VIP with its
        // interface (a container reconnected to its network gets a new one).
        vipRunner.execute(this::acquireIfMaster);
        announceAfterTheOtherLetsGo();
    }

    /**
     * The node that lost the role keeps the VIPs for the release grace, and answers ARP for them
     * meanwhile: a client resolving the VIP then (after this node's gratuitous ARPs) gets the
     * loser's MAC and keeps it after the loser let go. One more round once the loser has let go
     * and the client's entry may change again fixes that (seen in the drill at start-up).
     */
    private void announceAfterTheOtherLetsGo() {
        timer.schedule(() -> guarded(() -> {
            noticeStall(ticker.nanos());
            if (state == HaState.MASTER) {
                vipRunner.execute(() -> {
                    if (state == HaState.MASTER) {
                        vips.announce();
                    }
                });
            }
        }), releaseGraceMs + NEIGHBOUR_LOCKTIME_MS + 100, TimeUnit.MILLISECONDS);
    }

    /** Queued VIP work runs later: a node that stepped down meanwhile must not take the VIPs back. */
    private void acquireIfMaster() {
        if (state == HaState.MASTER) {
            vips.acquire();
        }
    }

    private void transition(HaState next, String reason, String trigger) {
        HaState old = state;
        state = next;
        lastReason = reason;
        transitions.incrementAndGet();
        LOG.info("HA: {} -> {} ({}; on {})", old, next, reason, trigger);
        // Said in the advert that tells of the step-down, so the new master passes this node's
        // flows on without a gap.
        boolean handOff = old == HaState.MASTER && vips.handoffAddress().isPresent();
        if (handOff) {
            hold.begin(ticker.nanos());
            LOG.info("HA: handing off: keeping the VIPs quietly while {} open session(s) finish", hold.openSessions());
        }
        sendAdvert();
        if (next == HaState.MASTER) {
            lastReannounce = ticker.nanos();
            vipRunner.execute(this::acquireIfMaster);
            announceAfterTheOtherLetsGo();
        } else if (old == HaState.MASTER) {
            // Another node is master now: stop announcing at once (behind any acquire still
            // queued), else two nodes' gratuitous ARPs flap the clients between them. Keep the
            // VIPs: with a flow handoff, quietly, serving the open connections whose packets the
            // new master passes on; without, for a moment while the new master's ARPs move the
            // clients, so none is sent to a node without the VIP.
            vipRunner.execute(() -> {
                if (vips.keepQuietly()) {
                    return;
                }
                if (handOff) {
                    timer.execute(() -> guarded(() -> {
                        LOG.warn("HA: cannot keep the VIPs quietly; releasing them instead of handing off");
                        hold.end();
                        sendAdvert();
                    }));
                }
                sleepQuietly(releaseGraceMs);
                releaseUnlessMaster();
            });
        }
        notifier.notify(next, effective);
    }

    /**
     * Planned switchover: advertise priority 0 so another node takes over at once, and wait until
     * one has (or the timeout passes) and its gratuitous ARPs have gone out, so that no client
     * starts a connection here any more. With a flow handoff this node keeps serving its open
     * connections until {@link #close()}; without, it gives the VIPs up after the release grace.
     */
    public void handOver(Duration timeout) throws InterruptedException {
        timer.execute(() -> guarded(() -> {
            leaving = true;
            sendAdvert();
            evaluate("handover");
        }));
        boolean stepped = state == HaState.MASTER;
        long deadline = System.nanoTime() + timeout.toNanos();
        while (state == HaState.MASTER && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        if (state == HaState.MASTER) {
            LOG.warn("HA: no other node took over within {} ms; keeping the VIPs until this node has drained", timeout.toMillis());
        } else if (stepped) {
            Thread.sleep(releaseGraceMs);
        }
    }

    /** Freezes the election thread as SIGSTOP would, while JGroups runs on: for tests. */
    void stallForTest(Duration d) {
        timer.execute(() -> sleepQuietly(d.toMillis()));
    }

    private static void sleepQuietly(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    public Status status() {
        View v = view;
        String to = passingTo;
        return new Status(state, master, priority, effective, v == null ? 0 : v.size(), transitions.get(), lastReason,
                hold.active(), to == null ? "" : to);
    }

    @Override
    public synchronized void close() throws InterruptedException {
        if (closed) {
            return;
        }
        closed = true;
        // The channel first: JGroups delivers on its own threads until it is closed, and each
        // delivery queues work on the timer.
        if (channel != null) {
            channel.close();
        }
        timer.shutdownNow();
        timer.awaitTermination(2, TimeUnit.SECONDS);
        vipRunner.execute(vips::close);
        vipRunner.shutdown();
        vipRunner.awaitTermination(10, TimeUnit.SECONDS);
        notifier.close();
        state = HaState.INIT;
    }
}

package org.l4lb.ha.instance;

import java.util.ArrayDeque;
import java.util.List;
import java.util.Objects;
import org.jgroups.Address;
import org.jgroups.View;
import org.l4lb.ha.cluster.Advert;
import org.l4lb.ha.election.Election;
import org.l4lb.ha.election.HaState;
import org.l4lb.ha.election.MasterDown;
import org.l4lb.ha.election.Member;
import org.l4lb.ha.election.NodeId;
import org.l4lb.ha.handoff.HandoffTarget;
import org.l4lb.ha.handoff.QuietHold;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One instance's election, as a state machine: views, adverts, ticks and a handover come in as
 * events stamped with the time, and what the node must do goes out through {@link Effects}. It
 * reads no clock and starts no thread, so every timing rule is tested by feeding it events.
 * Events come on one thread (the HA thread); {@link #status()} may be read from any.
 */
public final class ElectionMachine {

    private static final Logger LOG = LoggerFactory.getLogger(ElectionMachine.class);

    /** Linux ignores a new MAC for a neighbour within locktime (1 s) of the entry's last change. */
    private static final long NEIGHBOUR_LOCKTIME_NANOS = 1_000_000_000L;
    private static final long ANNOUNCE_SLACK_NANOS = 100_000_000L;

    /**
     * What the instance reports of itself.
     *
     * @param handingOff stepped down, still serving the connections open on the VIPs
     * @param passingTo as master, the node that unknown flows are passed to ("" when none)
     */
    /** @param peers the view's other members, as of the last evaluation (every tenth of an advert interval) */
    public record Status(HaState state, NodeId master, int priority, int effectivePriority, int viewSize,
            long transitions, String lastReason, boolean handingOff, String passingTo, List<Peer> peers) {
    }

    /** The settings a reload may change. */
    public record Settings(int priority, boolean preempt, long preemptDelayNanos) {
    }

    private final NodeId self;
    private final String nodeName;
    private final PriorityInputs tracking;
    private final QuietHold hold;
    private final long releaseGraceNanos;
    private final Effects effects;
    private final PeerAdverts peers;
    private final ForeignTraffic foreign = new ForeignTraffic();
    /** Whether this node has ever been in a view with another member: proof that its secret is shared. */
    private boolean metPeers;
    private final StallWatch stall;
    /** When to announce again, oldest first: the loser of the role lets the VIPs go meanwhile. */
    private final ArrayDeque<Long> announceAt = new ArrayDeque<>();
    private volatile Settings settings;
    private long advertNanos;
    private Address selfAddress;
    private volatile View view;
    private long startedAt;
    private long lastAdvertSent = Long.MIN_VALUE / 2;
    private long lastReannounce = Long.MIN_VALUE / 2;
    private long preemptWaitSince = -1;
    private long advertSequence;
    private boolean leaving;
    private boolean connected;
    private volatile HaState state = HaState.INIT;
    private volatile NodeId master;
    private volatile int effective;
    private volatile String lastReason = "starting";
    private volatile String passingTo;
    private volatile long transitions;
    private volatile List<Peer> lastPeers = List.of();

    /**
     * @param releaseGraceNanos how long a node that lost the role keeps the VIPs while the new
     *     master's gratuitous ARPs go out
     * @param hold the old master's side of a flow handoff
     */
    public ElectionMachine(NodeId self, String nodeName, Settings settings, long advertNanos, PriorityInputs tracking,
            long releaseGraceNanos, QuietHold hold, Effects effects) {
        this.self = self;
        this.nodeName = nodeName;
        this.settings = settings;
        this.advertNanos = advertNanos;
        this.tracking = tracking;
        this.releaseGraceNanos = releaseGraceNanos;
        this.hold = hold;
        this.effects = effects;
        this.peers = new PeerAdverts(advertNanos);
        this.stall = new StallWatch(advertNanos);
        this.effective = settings.priority();
    }

    /** Cluster traffic came that does not unseal with this node's secret (see {@link ForeignTraffic}). */
    public void onStranger(String sender, boolean notice, long now) {
        foreign.heard(sender, notice, now);
    }

    /** Takes new election settings (a reload): the next advert and election use them. */
    public void reconfigure(Settings next) {
        this.settings = next;
    }

    /** Another advert interval (a reload); the others' adverts are judged by the longer of the two. */
    public void advertInterval(long nanos) {
        advertNanos = nanos;
        peers.advertNanos(nanos);
        stall.advertNanos(nanos);
    }

    public long advertNanos() {
        return advertNanos;
    }

    /** The cluster link is up (or down, when closing): adverts go out from now on. */
    public void connected(Address selfAddress, boolean connected) {
        this.selfAddress = selfAddress;
        this.connected = connected;
    }

    public void onView(View v, long now) {
        if (view == null) {
            // The wait for the others' adverts starts once this node is in the group: joining
            // can take longer than that wait (discovery, a loaded machine).
            startedAt = now;
        }
        view = v;
        metPeers |= v.size() > 1;
        // After a merge, whoever is master once all are heard since announces again.
        peers.viewChanged(v, now);
        LOG.info("HA: view {}", v);
        sendAdvert(now);
        evaluate("view change (" + v.size() + " member(s))", now);
    }

    public void onAdvert(Address from, Advert advert, long now) {
        long silent = peers.keep(from, advert, now);
        if (silent < 0) {
            return;
        }
        evaluate("advert from " + advert.name(), now);
        if (silent > MasterDown.nanos(advertNanos) && state == HaState.MASTER) {
            // It was cut off long enough to have taken over on its side (a healed partition):
            // clients there may hold its ARP entry, so announce the VIPs again.
            reannounce(now, advert.name() + " is heard again after " + silent / 1_000_000 + " ms");
        }
    }

    /** Called ten times an advert interval: a silent master is noticed within 3.1 intervals. */
    public void onTick(long now) {
        noticeStall(now);
        stall.ticked(now);
        if (now - lastAdvertSent >= advertNanos) {
            sendAdvert(now);
        }
        evaluate("tick", now);
        endHoldWhenDone(now);
        while (!announceAt.isEmpty() && now >= announceAt.peekFirst()) {
            announceAt.pollFirst();
            if (state == HaState.MASTER) {
                effects.announce();
            }
        }
    }

    /** Planned switchover: advertise priority 0, so that another node takes over at once. */
    public void onHandover(long now) {
        leaving = true;
        sendAdvert(now);
        evaluate("handover", now);
    }

    /** The VIPs could not be kept quietly: release them as without a handoff, and say so. */
    public void quietHoldRefused(long now) {
        LOG.warn("HA: cannot keep the VIPs quietly; releasing them instead of handing off");
        hold.end();
        sendAdvert(now);
    }

    /** The node left the group: it reports INIT and sends nothing more. */
    public void closed() {
        connected = false;
        state = HaState.INIT;
    }

    public HaState state() {
        return state;
    }

    public Status status() {
        View v = view;
        String to = passingTo;
        Settings s = settings;
        return new Status(state, master, s.priority(), effective, v == null ? 0 : v.size(), transitions, lastReason,
                hold.active(), to == null ? "" : to, lastPeers);
    }

    private void endHoldWhenDone(long now) {
        if (!hold.active()) {
            return;
        }
        if (state == HaState.MASTER) {
            hold.end(); // master again: acquire answers ARP for the VIPs again
            sendAdvert(now);
        } else if (hold.over(now)) {
            int open = hold.openSessions();
            LOG.info("HA: handoff over after {} ms ({} session(s) open); releasing the VIPs", hold.heldMillis(now), open);
            hold.end();
            effects.release();
            sendAdvert(now);
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
            transition(HaState.BACKUP, "did not run for " + stalledMs + " ms", "stall", now);
        }
    }

    private void sendAdvert(long now) {
        if (!connected) {
            return;
        }
        lastAdvertSent = now;
        effects.send(new Advert(self, nodeName, settings.priority(), leaving ? 0 : effective, state,
                state == HaState.FAULT, ++advertSequence, effects.handoffAddress(), hold.active(),
                advertNanos / 1_000_000));
    }

    private void evaluate(String trigger, long now) {
        noticeStall(now);
        Settings s = settings;
        int before = effective;
        effective = tracking.effective(s.priority());
        if (effective != before) {
            // Tell the others now, not at the next advert: a master whose tracked service came
            // back after a partition healed was otherwise judged on its old priority for up to
            // an interval, both nodes kept the role and their ARPs flapped the clients.
            sendAdvert(now);
        }
        View v = view;
        PeerAdverts.Summary peer = peers.summarize(v, selfAddress, now);
        lastPeers = List.copyOf(peers.peers(v, selfAddress, now));
        boolean alone = v != null && v.size() == 1;
        String tracked = tracking.fault();
        String fault = tracked != null ? "tracked " + tracked + " failing"
                : foreign.fault(state == HaState.MASTER, metPeers, now);
        if (state == HaState.INIT
                && (v == null || (!peer.allHeard() || alone) && now - startedAt < MasterDown.nanos(advertNanos))) {
            // keepalived waits master_down_interval too: do not claim before hearing the others. An
            // advert can come before the first view; deciding on it then, alone, made a joining node
            // take the VIP from a living master for a moment. Alone in its first view is no proof
            // either: a join that timed out leaves a singleton that merges with the master later
            // (seen in the compose drill: both held the VIP for 2 s after a restart).
            return;
        }
        if (stall.holdsDecisions(now, v == null ? 0 : v.size())) {
            return; // a master heard once the wait is over keeps the role while the event loops catch up
        }
        Member me = new Member(self, s.priority(), leaving ? 0 : effective, state == HaState.INIT ? HaState.BACKUP : state,
                fault != null, true);
        Election.Decision d = Election.decide(new Election.Input(me, peer.others(), s.preempt(), s.preemptDelayNanos(),
                now, preemptWaitSince));
        preemptWaitSince = d.preemptWaitSince();
        master = d.master();
        // Before the transition: a new master passes flows on before its ARPs move the clients.
        passUnknownFlowsTo(d.state() == HaState.MASTER ? HandoffTarget.choose(me, peer.freshOthers()) : null);
        if (d.state() != state) {
            transition(d.state(), fault != null ? fault : d.reason(), trigger, now);
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
            effects.passUnknownFlows(target);
        }
    }

    private void reannounce(long now, String why) {
        lastReannounce = now;
        LOG.info("HA: {}; announcing the VIPs again", why);
        // acquire, not just announce: while cut off, the node may have lost the VIP with its
        // interface (a container reconnected to its network gets a new one).
        effects.acquire();
        announceAfterTheOtherLetsGo(now);
    }

    /**
     * The node that lost the role keeps the VIPs for the release grace, and answers ARP for them
     * meanwhile: a client resolving the VIP then (after this node's gratuitous ARPs) gets the
     * loser's MAC and keeps it after the loser let go. One more round once the loser has let go
     * and the client's entry may change again fixes that (seen in the drill at start-up).
     */
    private void announceAfterTheOtherLetsGo(long now) {
        announceAt.addLast(now + releaseGraceNanos + NEIGHBOUR_LOCKTIME_NANOS + ANNOUNCE_SLACK_NANOS);
    }

    private void transition(HaState next, String reason, String trigger, long now) {
        HaState old = state;
        state = next;
        lastReason = reason;
        transitions++;
        LOG.info("HA: {} -> {} ({}; on {})", old, next, reason, trigger);
        // Said in the advert that tells of the step-down, so the new master passes this node's
        // flows on without a gap.
        boolean handOff = old == HaState.MASTER && !effects.handoffAddress().isEmpty();
        if (handOff) {
            hold.begin(now);
            LOG.info("HA: handing off: keeping the VIPs quietly while {} open session(s) finish", hold.openSessions());
        }
        sendAdvert(now);
        if (next == HaState.MASTER) {
            lastReannounce = now;
            effects.acquire();
            announceAfterTheOtherLetsGo(now);
        } else if (old == HaState.MASTER) {
            // Another node is master now: stop announcing at once (behind any acquire still
            // queued), else two nodes' gratuitous ARPs flap the clients between them.
            effects.steppedDown(handOff);
        }
        effects.transitioned(next, effective);
    }
}

package org.l4lb.ha.instance;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.jgroups.Address;
import org.jgroups.View;
import org.jgroups.util.UUID;
import org.junit.jupiter.api.Test;
import org.l4lb.ha.cluster.Advert;
import org.l4lb.ha.election.HaState;
import org.l4lb.ha.election.NodeId;
import org.l4lb.ha.handoff.QuietHold;

/**
 * The election's timing rules, fed events on a clock of the test's own: no network, no sleeps.
 * Advert interval 1 s, ticks every 100 ms, as a node runs them.
 */
class ElectionMachineTest {

    private static final long MS = 1_000_000L;
    private static final long ADVERT = 1000 * MS;
    private static final long GRACE = 300 * MS;

    /** What the machine asked for, in order. */
    private static final class Recorded implements Effects {
        final List<Advert> sent = new ArrayList<>();
        final List<String> calls = new ArrayList<>();
        String handoffAddress = "";

        @Override
        public void send(Advert advert) {
            sent.add(advert);
        }

        @Override
        public void acquire() {
            calls.add("acquire");
        }

        @Override
        public void announce() {
            calls.add("announce");
        }

        @Override
        public void steppedDown(boolean handOff) {
            calls.add("steppedDown " + handOff);
        }

        @Override
        public void release() {
            calls.add("release");
        }

        @Override
        public void passUnknownFlows(String target) {
            calls.add("pass " + target);
        }

        @Override
        public String handoffAddress() {
            return handoffAddress;
        }

        @Override
        public void transitioned(HaState next, int effectivePriority) {
            calls.add("-> " + next);
        }

        Advert lastSent() {
            return sent.get(sent.size() - 1);
        }
    }

    private final Recorded effects = new Recorded();
    private final AtomicInteger openSessions = new AtomicInteger();
    private final Address selfAddr = UUID.randomUUID();
    private final Address peerAddr = UUID.randomUUID();
    private final NodeId selfId = id(11);
    private final NodeId peerId = id(12);
    private long now = 1_000 * ADVERT;
    private long peerSequence;

    private static NodeId id(int last) {
        try {
            return NodeId.of(InetAddress.getByName("10.99.0." + last), 7800);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private ElectionMachine machine(int priority, long preemptDelay) {
        ElectionMachine m = new ElectionMachine(selfId, "self", new ElectionMachine.Settings(priority, true, preemptDelay),
                ADVERT, PriorityInputs.NONE, GRACE, new QuietHold(GRACE, 60_000 * MS, openSessions::get), effects);
        m.connected(selfAddr, true);
        return m;
    }

    private Advert peer(int priority, HaState state, long advertMillis) {
        return new Advert(peerId, "peer", priority, priority, state, false, ++peerSequence, "", false, advertMillis);
    }

    /** Ticks every 100 ms until {@code until}, as the HA thread does. */
    private void tickUntil(ElectionMachine m, long until) {
        while (now + 100 * MS <= until) {
            now += 100 * MS;
            m.onTick(now);
        }
    }

    private View both() {
        return View.create(peerAddr, 2, peerAddr, selfAddr);
    }

    @Test
    void aNodeAloneInItsFirstViewWaitsThreeAdvertIntervalsBeforeClaiming() {
        ElectionMachine m = machine(100, 0);
        long joined = now;
        m.onView(View.create(selfAddr, 1, selfAddr), now);
        tickUntil(m, joined + 3 * ADVERT - 100 * MS);
        assertThat(m.state()).isEqualTo(HaState.INIT);
        assertThat(effects.calls).doesNotContain("acquire");
        tickUntil(m, joined + 3 * ADVERT);
        assertThat(m.state()).isEqualTo(HaState.MASTER);
        assertThat(effects.calls).containsSubsequence("acquire", "-> MASTER");
    }

    @Test
    void aNodeThatHearsEveryoneDecidesAtOnceAndNeverTakesTheVipFromAHigherMaster() {
        ElectionMachine m = machine(100, 0);
        m.onView(both(), now);
        assertThat(m.state()).isEqualTo(HaState.INIT);
        m.onAdvert(peerAddr, peer(150, HaState.MASTER, 1000), now);
        assertThat(m.state()).isEqualTo(HaState.BACKUP);
        assertThat(m.status().master()).isEqualTo(peerId);
        assertThat(effects.calls).doesNotContain("acquire");
    }

    @Test
    void aSilentMasterIsTakenForGoneAfterThreeAdvertIntervalsNotBefore() {
        ElectionMachine m = machine(100, 0);
        m.onView(both(), now);
        long heard = now;
        m.onAdvert(peerAddr, peer(150, HaState.MASTER, 1000), now);
        tickUntil(m, heard + 3 * ADVERT);
        assertThat(m.state()).as("three intervals of silence are still within the rule").isEqualTo(HaState.BACKUP);
        tickUntil(m, heard + 3 * ADVERT + 100 * MS);
        assertThat(m.state()).isEqualTo(HaState.MASTER);
        assertThat(m.status().lastReason()).contains("no master");
    }

    @Test
    void aSenderWithALongerIntervalIsJudgedByItsOwn() {
        ElectionMachine m = machine(100, 0);
        m.onView(both(), now);
        long heard = now;
        m.onAdvert(peerAddr, peer(150, HaState.MASTER, 3000), now);
        tickUntil(m, heard + 9 * ADVERT);
        assertThat(m.state()).isEqualTo(HaState.BACKUP);
        tickUntil(m, heard + 9 * ADVERT + 100 * MS);
        assertThat(m.state()).isEqualTo(HaState.MASTER);
    }

    @Test
    void aHigherNodeWaitsThePreemptDelayBeforeTakingOverFromALivingMaster() {
        ElectionMachine m = machine(150, 2000 * MS);
        m.onView(both(), now);
        long start = now;
        m.onAdvert(peerAddr, peer(100, HaState.MASTER, 1000), now);
        assertThat(m.state()).isEqualTo(HaState.BACKUP);
        while (now < start + 1900 * MS) {
            now += 100 * MS;
            m.onAdvert(peerAddr, peer(100, HaState.MASTER, 1000), now);
            m.onTick(now);
        }
        assertThat(m.state()).isEqualTo(HaState.BACKUP);
        tickUntil(m, start + 2000 * MS);
        assertThat(m.state()).isEqualTo(HaState.MASTER);
    }

    @Test
    void aNewMasterAnnouncesOnceMoreAfterTheLoserHasLetGoAndTheClientsLocktimeHasPassed() {
        ElectionMachine m = machine(150, 0);
        m.onView(both(), now);
        m.onAdvert(peerAddr, peer(100, HaState.BACKUP, 1000), now);
        long became = now;
        assertThat(m.state()).isEqualTo(HaState.MASTER);
        // Adverts keep the peer fresh while the clock runs.
        long due = became + GRACE + 1000 * MS + 100 * MS;
        while (now + 100 * MS < due) {
            now += 100 * MS;
            m.onAdvert(peerAddr, peer(100, HaState.BACKUP, 1000), now);
            m.onTick(now);
        }
        assertThat(effects.calls).doesNotContain("announce");
        now = due;
        m.onTick(now);
        assertThat(effects.calls).containsOnlyOnce("announce");
    }

    @Test
    void aMasterThatDidNotRunForThreeIntervalsRejoinsAsBackupAndWaitsForCurrentAdverts() {
        ElectionMachine m = machine(150, 0);
        m.onView(both(), now);
        m.onAdvert(peerAddr, peer(100, HaState.BACKUP, 1000), now);
        tickUntil(m, now + 500 * MS);
        assertThat(m.state()).isEqualTo(HaState.MASTER);
        // SIGSTOP for 4 s: meanwhile the peer took over; its stale adverts are processed on resume.
        now += 4000 * MS;
        m.onAdvert(peerAddr, peer(100, HaState.MASTER, 1000), now);
        assertThat(m.state()).isEqualTo(HaState.BACKUP);
        assertThat(m.status().lastReason()).startsWith("did not run for 4");
        assertThat(effects.calls).containsSubsequence("-> MASTER", "steppedDown false", "-> BACKUP");
        long back = now;
        // For 1.5 intervals it decides nothing, though it has the higher priority.
        while (now + 100 * MS < back + 1500 * MS) {
            now += 100 * MS;
            m.onAdvert(peerAddr, peer(100, HaState.MASTER, 1000), now);
            m.onTick(now);
        }
        assertThat(m.state()).isEqualTo(HaState.BACKUP);
        tickUntil(m, back + 1600 * MS);
        assertThat(m.state()).as("then it preempts").isEqualTo(HaState.MASTER);
    }

    @Test
    void aHandoverAdvertisesPriorityZeroAndStepsDownWhenAnotherTakesOver() {
        ElectionMachine m = machine(150, 0);
        m.onView(both(), now);
        m.onAdvert(peerAddr, peer(100, HaState.BACKUP, 1000), now);
        assertThat(m.state()).isEqualTo(HaState.MASTER);
        m.onHandover(now);
        assertThat(effects.lastSent().effective()).isZero();
        assertThat(effects.lastSent().priority()).isEqualTo(150);
        now += 10 * MS;
        m.onAdvert(peerAddr, peer(100, HaState.MASTER, 1000), now);
        assertThat(m.state()).isEqualTo(HaState.BACKUP);
    }

    @Test
    void aPreemptedMasterHandsOffUntilItsSessionsEndThenReleases() {
        effects.handoffAddress = "10.99.0.11";
        openSessions.set(2);
        ElectionMachine m = machine(100, 0);
        m.onView(both(), now);
        m.onAdvert(peerAddr, peer(50, HaState.BACKUP, 1000), now);
        assertThat(m.state()).isEqualTo(HaState.MASTER);
        // The higher node preempts: it claims the role, and this one steps down on hearing it.
        m.onAdvert(peerAddr, peer(150, HaState.MASTER, 1000), now);
        assertThat(m.state()).isEqualTo(HaState.BACKUP);
        assertThat(effects.calls).contains("steppedDown true");
        assertThat(effects.lastSent().handingOff()).as("the step-down's advert says it hands off").isTrue();
        assertThat(effects.lastSent().handoffAddress()).isEqualTo("10.99.0.11");
        long steppedDown = now;
        openSessions.set(0);
        while (now + 100 * MS < steppedDown + GRACE) {
            now += 100 * MS;
            m.onAdvert(peerAddr, peer(150, HaState.MASTER, 1000), now);
            m.onTick(now);
        }
        assertThat(effects.calls).as("not before the grace").doesNotContain("release");
        tickUntil(m, steppedDown + GRACE + 100 * MS);
        assertThat(effects.calls).containsOnlyOnce("release");
        assertThat(m.status().handingOff()).isFalse();
    }

    @Test
    void aMasterHearingAPeerAgainAfterAPartitionAnnouncesAgain() {
        ElectionMachine m = machine(150, 0);
        m.onView(both(), now);
        m.onAdvert(peerAddr, peer(100, HaState.BACKUP, 1000), now);
        tickUntil(m, now + 200 * MS);
        int announcesBefore = (int) effects.calls.stream().filter("acquire"::equals).count();
        tickUntil(m, now + 5000 * MS);
        m.onAdvert(peerAddr, peer(100, HaState.MASTER, 1000), now);
        assertThat(m.state()).isEqualTo(HaState.MASTER);
        assertThat(effects.calls.stream().filter("acquire"::equals).count()).isGreaterThan(announcesBefore);
    }
}

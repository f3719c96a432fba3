package org.l4lb.ha.election;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import org.junit.jupiter.api.Test;

class ElectionTest {

    private static final long SECOND = 1_000_000_000L;

    private static NodeId id(String ip) {
        try {
            return NodeId.of(InetAddress.getByName(ip), 7800);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }

    private static Member m(String ip, int effective, HaState state) {
        return new Member(id(ip), effective, effective, state, false, true);
    }

    private static Election.Decision decide(Member self, boolean preempt, Member... others) {
        return Election.decide(new Election.Input(self, List.of(others), preempt, 0, 100 * SECOND, -1));
    }

    @Test
    void highestEffectivePriorityTakesOverWhenThereIsNoMaster() {
        assertThat(decide(m("10.0.0.1", 150, HaState.BACKUP), true, m("10.0.0.2", 100, HaState.BACKUP)).state())
                .isEqualTo(HaState.MASTER);
        assertThat(decide(m("10.0.0.2", 100, HaState.BACKUP), true, m("10.0.0.1", 150, HaState.BACKUP)).state())
                .isEqualTo(HaState.BACKUP);
    }

    @Test
    void aTieGoesToTheHigherAddressAsInVrrp() {
        assertThat(decide(m("10.0.0.9", 100, HaState.BACKUP), true, m("10.0.0.10", 100, HaState.BACKUP)).state())
                .as("10.0.0.10 > 10.0.0.9 as numbers, not as text").isEqualTo(HaState.BACKUP);
        assertThat(decide(m("10.0.0.10", 100, HaState.BACKUP), true, m("10.0.0.9", 100, HaState.BACKUP)).state())
                .isEqualTo(HaState.MASTER);
    }

    @Test
    void aLoneNodeIsMaster() {
        assertThat(decide(m("10.0.0.1", 1, HaState.BACKUP), true).state()).isEqualTo(HaState.MASTER);
    }

    @Test
    void preemptTakesOverFromALowerMaster() {
        Election.Decision d = decide(m("10.0.0.1", 150, HaState.BACKUP), true, m("10.0.0.2", 100, HaState.MASTER));
        assertThat(d.state()).isEqualTo(HaState.MASTER);
        assertThat(d.reason()).contains("preempting");
    }

    @Test
    void theLowerMasterStaysUntilTheBetterOneClaimsTheRole() {
        // No gap: the old master keeps the VIPs while the better node has not claimed them yet...
        assertThat(decide(m("10.0.0.2", 100, HaState.MASTER), true, m("10.0.0.1", 150, HaState.BACKUP)).state())
                .isEqualTo(HaState.MASTER);
        // ...and steps down once it has.
        assertThat(decide(m("10.0.0.2", 100, HaState.MASTER), true, m("10.0.0.1", 150, HaState.MASTER)).state())
                .isEqualTo(HaState.BACKUP);
    }

    @Test
    void nopreemptKeepsALivingMaster() {
        Election.Decision d = decide(m("10.0.0.1", 150, HaState.BACKUP), false, m("10.0.0.2", 100, HaState.MASTER));
        assertThat(d.state()).isEqualTo(HaState.BACKUP);
        assertThat(d.master()).isEqualTo(id("10.0.0.2"));
        assertThat(d.reason()).contains("nopreempt");
        // but when that master is gone, the best takes over
        assertThat(decide(m("10.0.0.1", 150, HaState.BACKUP), false, m("10.0.0.2", 100, HaState.BACKUP)).state())
                .isEqualTo(HaState.MASTER);
    }

    @Test
    void preemptDelayWaitsBeforeTakingOver() {
        Member self = m("10.0.0.1", 150, HaState.BACKUP);
        List<Member> others = List.of(m("10.0.0.2", 100, HaState.MASTER));
        Election.Decision first = Election.decide(new Election.Input(self, others, true, 5 * SECOND, 100 * SECOND, -1));
        assertThat(first.state()).isEqualTo(HaState.BACKUP);
        assertThat(first.preemptWaitSince()).isEqualTo(100 * SECOND);
        Election.Decision later = Election.decide(new Election.Input(self, others, true, 5 * SECOND, 104 * SECOND,
                first.preemptWaitSince()));
        assertThat(later.state()).isEqualTo(HaState.BACKUP);
        Election.Decision done = Election.decide(new Election.Input(self, others, true, 5 * SECOND, 105 * SECOND,
                later.preemptWaitSince()));
        assertThat(done.state()).isEqualTo(HaState.MASTER);
        // Without a living master there is nothing to wait for.
        assertThat(Election.decide(new Election.Input(self, List.of(m("10.0.0.2", 100, HaState.BACKUP)), true,
                5 * SECOND, 100 * SECOND, -1)).state()).isEqualTo(HaState.MASTER);
    }

    @Test
    void faultNeverMastersAndAFaultyMasterIsReplaced() {
        Member faulty = new Member(id("10.0.0.1"), 200, 200, HaState.MASTER, true, true);
        assertThat(decide(faulty, true, m("10.0.0.2", 100, HaState.BACKUP)).state()).isEqualTo(HaState.FAULT);
        assertThat(decide(m("10.0.0.2", 100, HaState.BACKUP), true, faulty).state())
                .as("a master in fault is no master").isEqualTo(HaState.MASTER);
    }

    @Test
    void trackingWeightsMoveTheRoleViaEffectivePriority() {
        // Configured 150 and 100; tracking took 60 off the first: 90 < 100.
        Member degraded = new Member(id("10.0.0.1"), 150, 90, HaState.MASTER, false, true);
        Member other = new Member(id("10.0.0.2"), 100, 100, HaState.BACKUP, false, true);
        assertThat(decide(other, true, degraded).state()).isEqualTo(HaState.MASTER);
        assertThat(decide(degraded, true, new Member(id("10.0.0.2"), 100, 100, HaState.MASTER, false, true)).state())
                .isEqualTo(HaState.BACKUP);
    }

    @Test
    void staleAdvertsDoNotCount() {
        Member silentMaster = new Member(id("10.0.0.1"), 200, 200, HaState.MASTER, false, false);
        assertThat(decide(m("10.0.0.2", 100, HaState.BACKUP), true, silentMaster).state()).isEqualTo(HaState.MASTER);
    }

    @Test
    void healedPartitionEndsWithExactlyOneMaster() {
        Member a = m("10.0.0.1", 100, HaState.MASTER);
        Member b = m("10.0.0.2", 100, HaState.MASTER);
        HaState aNext = decide(a, false, b).state();
        HaState bNext = decide(b, false, a).state();
        assertThat(List.of(aNext, bNext)).containsExactlyInAnyOrder(HaState.MASTER, HaState.BACKUP);
        assertThat(bNext).as("higher address wins the tie").isEqualTo(HaState.MASTER);
    }

    @Test
    void aLeavingMasterHandsOverWithoutAGap() {
        Member leaving = new Member(id("10.0.0.1"), 200, 0, HaState.MASTER, false, true);
        Member backup = m("10.0.0.2", 100, HaState.BACKUP);
        assertThat(decide(backup, true, leaving).state()).as("priority 0 is no master: take over now").isEqualTo(HaState.MASTER);
        assertThat(decide(leaving, true, backup).state()).as("keep the VIPs until the backup claims them")
                .isEqualTo(HaState.MASTER);
        assertThat(decide(leaving, true, m("10.0.0.2", 100, HaState.MASTER)).state()).isEqualTo(HaState.BACKUP);
    }

    @Test
    void threeNodesElectTheTopPriority() {
        Member a = m("10.0.0.1", 100, HaState.BACKUP);
        Member b = m("10.0.0.2", 200, HaState.BACKUP);
        Member c = m("10.0.0.3", 150, HaState.BACKUP);
        assertThat(decide(a, true, b, c).state()).isEqualTo(HaState.BACKUP);
        assertThat(decide(b, true, a, c).state()).isEqualTo(HaState.MASTER);
        assertThat(decide(c, true, a, b).state()).isEqualTo(HaState.BACKUP);
        assertThat(decide(c, true, a, b).master()).isEqualTo(id("10.0.0.2"));
    }
}

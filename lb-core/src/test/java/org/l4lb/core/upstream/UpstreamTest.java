package org.l4lb.core.upstream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.l4lb.core.Fixtures;
import org.l4lb.core.balance.Attempt;
import org.l4lb.core.balance.Persistence;
import org.l4lb.core.config.BalanceConfig;
import org.l4lb.core.config.HashKey;
import org.l4lb.core.config.ServiceConfig;
import org.l4lb.core.config.Strategy;
import org.l4lb.core.time.FakeTicker;

class UpstreamTest {

    private final FakeTicker clock = new FakeTicker();
    private final List<String> events = new ArrayList<>();
    private final ServerStateListener log = (s, change, reason) -> events.add(s.name() + " " + change);

    private static InetAddress client(int n) throws UnknownHostException {
        return InetAddress.getByAddress(new byte[] {(byte) 192, 0, 2, (byte) n});
    }

    private Map<String, Integer> spread(Upstream up, int sessions) throws UnknownHostException {
        Map<String, Integer> out = new LinkedHashMap<>();
        for (int i = 0; i < sessions; i++) {
            ServerState s = up.select(up.newAttempt().reset(client(i % 250), i));
            if (s == null) {
                out.merge("none", 1, Integer::sum);
                continue;
            }
            s.connected(clock.nanos());
            s.release();
            out.merge(s.name(), 1, Integer::sum);
        }
        return out;
    }

    @Test
    void backupsServeOnlyWhileNoPrimaryIsEligible() throws Exception {
        Upstream up = Upstream.create(Fixtures.service(Strategy.ROUND_ROBIN, Fixtures.server("10.0.0.1:80", 1),
                Fixtures.backup("10.0.0.9:80"), Fixtures.server("10.0.0.2:80", 1)), clock, log);
        assertThat(spread(up, 10)).containsOnlyKeys("10.0.0.1:80", "10.0.0.2:80");

        up.server("10.0.0.1:80").orElseThrow().connectFailed(clock.nanos(), "refused");
        assertThat(spread(up, 10)).containsOnlyKeys("10.0.0.2:80");
        up.server("10.0.0.2:80").orElseThrow().checkResult(false, clock.nanos(), "timeout");
        up.server("10.0.0.2:80").orElseThrow().checkResult(false, clock.nanos(), "timeout");
        up.server("10.0.0.2:80").orElseThrow().checkResult(false, clock.nanos(), "timeout");
        assertThat(spread(up, 10)).as("both primaries out: the backup takes over").containsOnlyKeys("10.0.0.9:80");

        up.server("10.0.0.2:80").orElseThrow().checkResult(true, clock.nanos(), "ok");
        up.server("10.0.0.2:80").orElseThrow().checkResult(true, clock.nanos(), "ok");
        assertThat(spread(up, 10)).as("a primary is back").containsOnlyKeys("10.0.0.2:80");
        assertThat(events).containsExactly("10.0.0.1:80 passive down", "10.0.0.2:80 health down", "10.0.0.2:80 health up");
    }

    @Test
    void aFailedConnectIsRetriedOnAnotherServerNotTheSameOne() throws Exception {
        Upstream up = Upstream.create(Fixtures.service(Strategy.ROUND_ROBIN, Fixtures.server("10.0.0.1:80", 1),
                Fixtures.server("10.0.0.2:80", 1), Fixtures.server("10.0.0.3:80", 1)), clock, log);
        Attempt attempt = up.newAttempt().reset(client(1), 1);
        List<String> tried = new ArrayList<>();
        ServerState s;
        while ((s = up.select(attempt)) != null) {
            tried.add(s.name());
            s.release();
        }
        assertThat(tried).containsExactlyInAnyOrder("10.0.0.1:80", "10.0.0.2:80", "10.0.0.3:80");
        assertThat(attempt.picks()).isEqualTo(3);
    }

    @Test
    void adminDisableAndDrainStopNewSessionsAndEnableBringsThemBack() throws Exception {
        Upstream up = Upstream.create(Fixtures.service(Strategy.ROUND_ROBIN, Fixtures.server("10.0.0.1:80", 1),
                Fixtures.server("10.0.0.2:80", 1)), clock, log);
        up.admin("10.0.0.1:80", AdminState.DRAINING, "deploy");
        assertThat(spread(up, 10)).containsOnlyKeys("10.0.0.2:80");
        up.admin("10.0.0.2:80", AdminState.DISABLED, "deploy");
        assertThat(spread(up, 3)).containsOnlyKeys("none");
        up.admin("10.0.0.1:80", AdminState.ENABLED, "done");
        assertThat(spread(up, 3)).containsOnlyKeys("10.0.0.1:80");
        assertThat(events).containsExactly("10.0.0.1:80 admin draining", "10.0.0.2:80 admin disabled", "10.0.0.1:80 admin enabled");
        assertThatThrownBy(() -> up.admin("10.0.0.7:80", AdminState.ENABLED, "x")).hasMessageContaining("has no server 10.0.0.7:80");
    }

    @Test
    void maxConnsCapsOpenSessionsAndFreesOnRelease() throws Exception {
        Upstream up = Upstream.create(Fixtures.service(Strategy.ROUND_ROBIN,
                Fixtures.withMaxConns(Fixtures.server("10.0.0.1:80", 1), 2),
                Fixtures.withMaxConns(Fixtures.server("10.0.0.2:80", 1), 1)), clock, log);
        List<ServerState> held = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            held.add(up.select(up.newAttempt().reset(client(i), i)));
        }
        assertThat(held).extracting(ServerState::name).containsExactlyInAnyOrder("10.0.0.1:80", "10.0.0.1:80", "10.0.0.2:80");
        assertThat(up.select(up.newAttempt().reset(client(4), 4))).as("every slot taken").isNull();
        held.get(2).release();
        assertThat(up.select(up.newAttempt().reset(client(5), 5))).isSameAs(held.get(2));
    }

    @Test
    void slowStartRampsTheWeightAfterTheServerComesBack() throws Exception {
        Upstream up = Upstream.create(Fixtures.service(Strategy.ROUND_ROBIN,
                Fixtures.withSlowStart(Fixtures.server("10.0.0.1:80", 10), Duration.ofSeconds(10)),
                Fixtures.server("10.0.0.2:80", 10)), clock, log);
        ServerState a = up.server("10.0.0.1:80").orElseThrow();
        assertThat(a.effectiveWeight(clock.nanos())).as("configured servers start at full weight").isEqualTo(10);
        for (int i = 0; i < 3; i++) {
            a.checkResult(false, clock.nanos(), "down");
        }
        a.checkResult(true, clock.nanos(), "up");
        a.checkResult(true, clock.nanos(), "up");
        assertThat(a.effectiveWeight(clock.nanos())).isEqualTo(1);
        assertThat(spread(up, 1100).get("10.0.0.1:80")).isEqualTo(100);
        clock.advance(Duration.ofSeconds(5));
        assertThat(a.effectiveWeight(clock.nanos())).isEqualTo(5);
        assertThat(spread(up, 1500).get("10.0.0.1:80")).isEqualTo(500);
        clock.advance(Duration.ofSeconds(5));
        assertThat(a.effectiveWeight(clock.nanos())).isEqualTo(10);
    }

    @Test
    void runtimeWeightChangeShiftsTrafficStepByStep() throws Exception {
        Upstream up = Upstream.create(Fixtures.service(Strategy.ROUND_ROBIN, Fixtures.server("10.0.0.1:80", 9),
                Fixtures.server("10.0.0.2:80", 1)), clock, log);
        assertThat(spread(up, 1000)).containsEntry("10.0.0.1:80", 900).containsEntry("10.0.0.2:80", 100);
        up.weight("10.0.0.2:80", 9, "gray release step");
        up.weight("10.0.0.1:80", 1, "gray release step");
        assertThat(spread(up, 1000)).containsEntry("10.0.0.1:80", 100).containsEntry("10.0.0.2:80", 900);
        assertThat(events).containsExactly("10.0.0.2:80 weight 1 -> 9", "10.0.0.1:80 weight 9 -> 1");
        assertThatThrownBy(() -> up.weight("10.0.0.1:80", -1, "x")).hasMessageContaining("between 0 and 1000");
        assertThatThrownBy(() -> up.weight("10.0.0.1:80", 1001, "x")).hasMessageContaining("between 0 and 1000");
    }

    @Test
    void weightZeroTakesNoNewSessionAndKeepsTheOpenOnes() throws Exception {
        for (Strategy strategy : Strategy.values()) {
            Upstream up = Upstream.create(Fixtures.service(strategy, Fixtures.server("10.0.0.1:80", 3),
                    Fixtures.server("10.0.0.2:80", 1)), clock, log);
            ServerState a = up.server("10.0.0.1:80").orElseThrow();
            assertThat(a.tryAcquire()).isTrue();
            up.weight("10.0.0.1:80", 0, "retire");
            assertThat(spread(up, 200)).as(strategy.configName()).containsOnlyKeys("10.0.0.2:80");
            assertThat(a.sessions()).as("the open session stays").isEqualTo(1);
            up.weight("10.0.0.2:80", 0, "both out");
            assertThat(spread(up, 10)).as(strategy.configName() + " with every weight 0").containsOnlyKeys("none");
            a.release();
        }
    }

    @Test
    void aRampMovesTheWeightLinearlyAndANewChangeCancelsIt() throws Exception {
        Upstream up = Upstream.create(Fixtures.service(Strategy.ROUND_ROBIN, Fixtures.server("10.0.0.1:80", 10),
                Fixtures.server("10.0.0.2:80", 10)), clock, log);
        ServerState b = up.server("10.0.0.2:80").orElseThrow();
        up.weight("10.0.0.2:80", 0, Duration.ofSeconds(100).toNanos(), "gray release");
        assertThat(b.targetWeight()).isEqualTo(0);
        assertThat(b.weight()).as("nothing moves before the first step").isEqualTo(10);
        clock.advance(Duration.ofSeconds(25));
        up.stepRamps();
        assertThat(b.weight()).isEqualTo(8);
        assertThat(b.ramp().leftNanos(clock.nanos())).isEqualTo(Duration.ofSeconds(75).toNanos());
        assertThat(spread(up, 180)).containsEntry("10.0.0.1:80", 100).containsEntry("10.0.0.2:80", 80);
        clock.advance(Duration.ofSeconds(50));
        up.stepRamps();
        assertThat(b.weight()).isEqualTo(3);
        clock.advance(Duration.ofSeconds(30));
        up.stepRamps();
        assertThat(b.weight()).isZero();
        assertThat(b.ramp()).as("over").isNull();
        assertThat(up.ramping()).isFalse();
        assertThat(spread(up, 50)).containsOnlyKeys("10.0.0.1:80");

        up.weight("10.0.0.2:80", 20, Duration.ofSeconds(10).toNanos(), "back");
        clock.advance(Duration.ofSeconds(5));
        up.stepRamps();
        assertThat(b.weight()).isEqualTo(10);
        up.weight("10.0.0.2:80", 4, "enough");
        assertThat(b.ramp()).as("a new change cancels the ramp").isNull();
        clock.advance(Duration.ofSeconds(5));
        up.stepRamps();
        assertThat(b.weight()).isEqualTo(4);
    }

    @Test
    void reloadRetiresRemovedServersAndKeepsStickyClientsOfKeptOnes() throws Exception {
        BalanceConfig sticky = new BalanceConfig(Strategy.ROUND_ROBIN, HashKey.SOURCE_IP, false, Duration.ofSeconds(60), 100);
        Upstream before = Upstream.create(Fixtures.service(sticky, Fixtures.server("10.0.0.1:80", 1),
                Fixtures.server("10.0.0.2:80", 1)), clock, log);
        Map<Integer, ServerState> bound = new LinkedHashMap<>();
        for (int c = 1; c <= 10; c++) {
            ServerState s = before.select(before.newAttempt().reset(client(c), c));
            bound.put(c, s);
            if (c != 2) {
                s.release();
            }
        }
        ServerState gone = before.server("10.0.0.2:80").orElseThrow();
        BalanceConfig stickyLeast = new BalanceConfig(Strategy.LEAST_CONN, HashKey.SOURCE_IP, false, Duration.ofSeconds(60), 100);
        Upstream after = Upstream.reload(before, Fixtures.service(stickyLeast, Fixtures.server("10.0.0.1:80", 1),
                Fixtures.server("10.0.0.3:80", 1)), clock, log);
        assertThat(gone.retired()).isTrue();
        assertThat(events).contains("10.0.0.2:80 removed");
        assertThat(gone.eligible(clock.nanos())).isFalse();
        assertThat(before.select(before.newAttempt().reset(client(99), 99))).as("not from the old upstream either")
                .isNotSameAs(gone);
        for (var e : bound.entrySet()) {
            ServerState s = after.select(after.newAttempt().reset(client(e.getKey()), 100 + e.getKey()));
            s.release();
            if (e.getValue().name().equals("10.0.0.1:80")) {
                assertThat(s).as("client " + e.getKey() + " stays on its kept server").isSameAs(e.getValue());
            } else {
                assertThat(s.name()).isNotEqualTo("10.0.0.2:80");
            }
        }
        assertThat(bound.get(2).sessions()).as("an open session on a removed server runs on").isEqualTo(1);
    }

    @Test
    void reloadKeepsTheStateOfServersWhoseAddressStays() throws Exception {
        Upstream before = Upstream.create(Fixtures.service(Strategy.ROUND_ROBIN, Fixtures.server("10.0.0.1:80", 1),
                Fixtures.server("10.0.0.2:80", 1)), clock, log);
        ServerState a = before.server("10.0.0.1:80").orElseThrow();
        ServerState held = before.select(before.newAttempt().reset(client(1), 1));
        held.addBytes(100, 2000);
        before.admin("10.0.0.2:80", AdminState.DRAINING, "retire");

        ServiceConfig next = Fixtures.service(Strategy.LEAST_CONN, Fixtures.server("10.0.0.1:80", 4),
                Fixtures.server("10.0.0.3:80", 1));
        Upstream after = Upstream.reload(before, next, clock, log);

        ServerState a2 = after.server("10.0.0.1:80").orElseThrow();
        assertThat(a2).isSameAs(a);
        assertThat(a2.sessions()).isEqualTo(held == a ? 1 : 0);
        assertThat(a2.totalSessions()).isEqualTo(held == a ? 1 : 0);
        assertThat(a2.weight()).as("configured weight changed: the new one applies").isEqualTo(4);
        assertThat(after.server("10.0.0.2:80")).isEmpty();
        assertThat(after.server("10.0.0.3:80").orElseThrow().totalSessions()).isZero();
        assertThat(held.bytesToClient()).isEqualTo(2000);
        held.release();
        assertThat(held.sessions()).isZero();
    }

    @Test
    void persistenceKeepsAClientOnItsServerUntilTheTimeout() throws Exception {
        BalanceConfig sticky = new BalanceConfig(Strategy.ROUND_ROBIN, HashKey.SOURCE_IP, false, Duration.ofSeconds(60), 2);
        Upstream up = Upstream.create(Fixtures.service(sticky, Fixtures.server("10.0.0.1:80", 1),
                Fixtures.server("10.0.0.2:80", 1), Fixtures.server("10.0.0.3:80", 1)), clock, log);
        ServerState first = up.select(up.newAttempt().reset(client(7), 1));
        first.release();
        for (int i = 0; i < 10; i++) {
            clock.advance(Duration.ofSeconds(30));
            ServerState again = up.select(up.newAttempt().reset(client(7), 2 + i));
            again.release();
            assertThat(again).as("comes back within 60 s of the last session").isSameAs(first);
        }
        first.connectFailed(clock.nanos(), "refused");
        ServerState moved = up.select(up.newAttempt().reset(client(7), 50));
        moved.release();
        assertThat(moved).as("its server failed").isNotSameAs(first);
        ServerState stays = up.select(up.newAttempt().reset(client(7), 51));
        stays.release();
        assertThat(stays).as("rebound to the new server").isSameAs(moved);
        assertThat(up.persistence().orElseThrow().hits()).isEqualTo(11);
    }

    @Test
    void persistenceTableIsBoundedAndForgetsTheLeastRecentClient() throws Exception {
        BalanceConfig sticky = new BalanceConfig(Strategy.ROUND_ROBIN, HashKey.SOURCE_IP, false, Duration.ofSeconds(60), 2);
        Upstream up = Upstream.create(Fixtures.service(sticky, Fixtures.server("10.0.0.1:80", 1),
                Fixtures.server("10.0.0.2:80", 1)), clock, log);
        for (int c = 1; c <= 3; c++) {
            up.select(up.newAttempt().reset(client(c), c)).release();
        }
        assertThat(up.persistence().orElseThrow().size()).isEqualTo(2);
    }

    @Test
    void anotherNodeLearnsTheBindingsAndKeepsEachClientOnItsServer() throws Exception {
        BalanceConfig sticky = new BalanceConfig(Strategy.RANDOM_TWO, HashKey.SOURCE_IP, false, Duration.ofSeconds(60), 1000);
        ServiceConfig sc = Fixtures.service(sticky, Fixtures.server("10.0.0.1:80", 1), Fixtures.server("10.0.0.2:80", 1),
                Fixtures.server("10.0.0.3:80", 1));
        Upstream master = Upstream.create(sc, clock, log);
        FakeTicker otherClock = new FakeTicker();
        otherClock.advance(Duration.ofHours(5));
        Upstream backup = Upstream.create(sc, otherClock, log);
        Persistence from = master.persistence().orElseThrow();
        Persistence to = backup.persistence().orElseThrow();
        from.recording(true);
        Map<InetAddress, String> bound = new LinkedHashMap<>();
        for (int c = 1; c <= 100; c++) {
            InetAddress a = c % 2 == 0 ? client(c) : InetAddress.getByName("2001:db8::" + Integer.toHexString(c));
            ServerState s = master.select(master.newAttempt().reset(a, c));
            s.release();
            bound.put(a, s.name());
        }
        clock.advance(Duration.ofSeconds(20));
        List<Persistence.Binding> sent = new ArrayList<>();
        from.drainTouched(clock.nanos(), sent::add);
        assertThat(sent).hasSize(100);
        assertThat(sent).allSatisfy(b -> assertThat(b.ageNanos()).isEqualTo(Duration.ofSeconds(20).toNanos()));
        from.drainTouched(clock.nanos(), b -> {
            throw new AssertionError("sent twice: " + b);
        });
        sent.forEach(b -> to.learn(b, otherClock.nanos()));

        for (Map.Entry<InetAddress, String> e : bound.entrySet()) {
            ServerState s = backup.select(backup.newAttempt().reset(e.getKey(), 7));
            s.release();
            assertThat(s.name()).as("client " + e.getKey()).isEqualTo(e.getValue());
        }
        Upstream joiner = Upstream.create(sc, otherClock, log);
        Persistence joined = joiner.persistence().orElseThrow();
        List<Persistence.Binding> all = new ArrayList<>();
        from.snapshot(clock.nanos(), all::add);
        assertThat(all).hasSize(100);
        all.forEach(b -> joined.learn(b, otherClock.nanos()));
        assertThat(joined.size()).isEqualTo(100);
        // Learned 20 s old: 41 s more and the copy has expired, as the original has.
        otherClock.advance(Duration.ofSeconds(41));
        joiner.select(joiner.newAttempt().reset(bound.keySet().iterator().next(), 8)).release();
        assertThat(joined.misses()).as("expired as on the node that bound it").isEqualTo(1);
        to.learn(new Persistence.Binding(client(1).getAddress(), "10.0.0.9:80", 0), otherClock.nanos());
        assertThat(to.size()).as("a server this node does not have").isEqualTo(100);
    }

    @Test
    void whatWaitsToBeSentIsBoundedAsTheTableIs() throws Exception {
        BalanceConfig sticky = new BalanceConfig(Strategy.ROUND_ROBIN, HashKey.SOURCE_IP, false, Duration.ofSeconds(60), 2);
        Upstream up = Upstream.create(Fixtures.service(sticky, Fixtures.server("10.0.0.1:80", 1),
                Fixtures.server("10.0.0.2:80", 1)), clock, log);
        Persistence p = up.persistence().orElseThrow();
        p.recording(true);
        for (int c = 1; c <= 50; c++) {
            up.select(up.newAttempt().reset(client(c), c)).release();
        }
        List<Persistence.Binding> sent = new ArrayList<>();
        p.drainTouched(clock.nanos(), sent::add);
        assertThat(sent).hasSize(2);
        p.recording(false);
        up.select(up.newAttempt().reset(client(60), 60)).release();
        p.drainTouched(clock.nanos(), sent::add);
        assertThat(sent).as("nothing recorded once off").hasSize(2);
    }

    @Test
    void drainingServerStillTakesClientsPersistenceBindsToIt() throws Exception {
        BalanceConfig sticky = new BalanceConfig(Strategy.ROUND_ROBIN, HashKey.SOURCE_IP, false, Duration.ofSeconds(60), 100);
        Upstream up = Upstream.create(Fixtures.service(sticky, Fixtures.server("10.0.0.1:80", 1),
                Fixtures.server("10.0.0.2:80", 1)), clock, log);
        ServerState bound = up.select(up.newAttempt().reset(client(1), 1));
        bound.release();
        up.admin(bound.name(), AdminState.DRAINING, "deploy");
        assertThat(up.select(up.newAttempt().reset(client(1), 2))).isSameAs(bound);
        assertThat(up.select(up.newAttempt().reset(client(2), 3))).isNotSameAs(bound);
        up.admin(bound.name(), AdminState.DISABLED, "deploy");
        assertThat(up.select(up.newAttempt().reset(client(1), 4))).isNotSameAs(bound);
    }

    @Test
    void hasEligibleTellsWhetherAnyServerCanTakeASession() {
        Upstream up = Upstream.create(Fixtures.service(Strategy.ROUND_ROBIN, Fixtures.server("10.0.0.1:80", 1)), clock, log);
        assertThat(up.hasEligible()).isTrue();
        up.server("10.0.0.1:80").orElseThrow().connectFailed(clock.nanos(), "refused");
        assertThat(up.hasEligible()).isFalse();
        clock.advance(Duration.ofSeconds(11));
        assertThat(up.hasEligible()).isTrue();
    }
}

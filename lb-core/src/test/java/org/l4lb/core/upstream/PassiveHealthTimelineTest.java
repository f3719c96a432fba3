package org.l4lb.core.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.l4lb.core.Fixtures;
import org.l4lb.core.config.Strategy;
import org.l4lb.core.time.FakeTicker;

/** nginx max_fails / fail_timeout on a fake clock. */
class PassiveHealthTimelineTest {

    private final FakeTicker clock = new FakeTicker();
    private final List<String> events = new ArrayList<>();
    private final Upstream up = Upstream.create(Fixtures.service(Strategy.ROUND_ROBIN,
            Fixtures.withMaxFails(Fixtures.server("10.0.0.1:80", 1), 2, Duration.ofSeconds(10)),
            Fixtures.server("10.0.0.2:80", 1)), clock, (s, change, reason) -> events.add(s.name() + " " + change));
    private final ServerState a = up.server("10.0.0.1:80").orElseThrow();

    private Set<String> picked(int sessions) throws Exception {
        Set<String> out = new HashSet<>();
        for (int i = 0; i < sessions; i++) {
            ServerState s = up.select(up.newAttempt().reset(InetAddress.getByName("192.0.2.9"), i));
            s.connected(clock.nanos());
            s.release();
            out.add(s.name());
        }
        return out;
    }

    @Test
    void maxFailsWithinFailTimeoutTakesTheServerOutForFailTimeout() throws Exception {
        a.connectFailed(clock.nanos(), "connection refused");
        assertThat(a.passiveAvailable(clock.nanos())).as("one failure of max 2").isTrue();

        clock.advance(Duration.ofSeconds(1));
        a.connectFailed(clock.nanos(), "connection refused");
        assertThat(events).containsExactly("10.0.0.1:80 passive down");
        assertThat(picked(10)).containsExactly("10.0.0.2:80");

        clock.advance(Duration.ofMillis(9_900));
        assertThat(picked(10)).as("9.9 s after the last failure").containsExactly("10.0.0.2:80");

        clock.advance(Duration.ofMillis(200));
        assertThat(picked(10)).as("10.1 s after: back, and its trial succeeds").contains("10.0.0.1:80");
        assertThat(events).containsExactly("10.0.0.1:80 passive down", "10.0.0.1:80 passive up");
        assertThat(a.passiveFails()).isZero();
    }

    @Test
    void aFailedTrialKeepsItOutForAnotherFailTimeout() throws Exception {
        a.connectFailed(clock.nanos(), "refused");
        a.connectFailed(clock.nanos(), "refused");
        clock.advance(Duration.ofSeconds(11));

        ServerState trial = null;
        for (int i = 0; i < 2 && trial != a; i++) {
            trial = up.select(up.newAttempt().reset(InetAddress.getByName("192.0.2.9"), i));
            trial.release();
        }
        assertThat(trial).isSameAs(a);
        a.connectFailed(clock.nanos(), "refused again");
        assertThat(picked(10)).containsExactly("10.0.0.2:80");
        clock.advance(Duration.ofSeconds(9));
        assertThat(picked(10)).containsExactly("10.0.0.2:80");
        clock.advance(Duration.ofSeconds(2));
        assertThat(picked(10)).contains("10.0.0.1:80");
    }

    @Test
    void failuresFurtherApartThanFailTimeoutDoNotAddUp() throws Exception {
        a.connectFailed(clock.nanos(), "refused");
        clock.advance(Duration.ofSeconds(15));
        assertThat(picked(4)).contains("10.0.0.1:80");
        assertThat(a.passiveFails()).as("the success after fail-timeout cleared the count").isZero();
        a.connectFailed(clock.nanos(), "refused");
        assertThat(a.passiveAvailable(clock.nanos())).isTrue();
        assertThat(events).isEmpty();
    }

    @Test
    void maxFailsZeroNeverTakesItOut() throws Exception {
        Upstream never = Upstream.create(Fixtures.service(Strategy.ROUND_ROBIN,
                Fixtures.withMaxFails(Fixtures.server("10.0.0.1:80", 1), 0, Duration.ofSeconds(10))), clock, ServerStateListener.NONE);
        ServerState s = never.server("10.0.0.1:80").orElseThrow();
        for (int i = 0; i < 100; i++) {
            s.connectFailed(clock.nanos(), "refused");
        }
        assertThat(never.select(never.newAttempt().reset(InetAddress.getByName("192.0.2.9"), 1))).isSameAs(s);
    }
}

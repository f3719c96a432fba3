package org.l4lb.core.balance;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.l4lb.core.Fixtures;
import org.l4lb.core.config.BalanceConfig;
import org.l4lb.core.config.HashKey;
import org.l4lb.core.config.ServerConfig;
import org.l4lb.core.config.Strategy;
import org.l4lb.core.time.FakeTicker;
import org.l4lb.core.upstream.ServerState;
import org.l4lb.core.upstream.ServerStateListener;
import org.l4lb.core.upstream.Upstream;

class ConsistentHashRemapTest {

    private static final int N = 10;
    private static final int KEYS = 10_000;
    private static final BalanceConfig KETAMA = new BalanceConfig(Strategy.HASH, HashKey.SOURCE_IP, true, Duration.ZERO, 1);

    @Test
    void removingOneOfNServersMovesOnlyItsKeys() throws UnknownHostException {
        List<ServerConfig> all = new ArrayList<>();
        for (int i = 0; i < N; i++) {
            all.add(Fixtures.server("10.1.0." + (i + 1) + ":80", 1));
        }
        List<InetAddress> clients = clients();
        List<String> before = assign(all, clients);

        String removed = "10.1.0.4:80";
        List<ServerConfig> fewer = all.stream().filter(s -> !s.name().equals(removed)).toList();
        List<String> after = assign(fewer, clients);

        int moved = 0;
        for (int i = 0; i < KEYS; i++) {
            if (!before.get(i).equals(after.get(i))) {
                moved++;
                assertThat(before.get(i)).as("a key that moved was on the removed server").isEqualTo(removed);
            }
        }
        assertThat(moved).isPositive().isLessThanOrEqualTo((int) (1.2 * KEYS / N));
    }

    @Test
    void aDownServerMovesOnlyItsKeysAndTheyComeBack() throws UnknownHostException {
        List<ServerConfig> all = new ArrayList<>();
        for (int i = 0; i < N; i++) {
            all.add(Fixtures.server("10.1.0." + (i + 1) + ":80", 1));
        }
        List<InetAddress> clients = clients();
        FakeTicker ticker = new FakeTicker();
        Upstream up = Upstream.create(Fixtures.service(KETAMA, all.toArray(new ServerConfig[0])), ticker, ServerStateListener.NONE);
        List<String> before = assign(up, clients);

        String failed = "10.1.0.7:80";
        up.server(failed).orElseThrow().connectFailed(ticker.nanos(), "refused");
        List<String> during = assign(up, clients);
        int moved = 0;
        for (int i = 0; i < KEYS; i++) {
            if (!before.get(i).equals(during.get(i))) {
                moved++;
                assertThat(before.get(i)).isEqualTo(failed);
            }
        }
        assertThat(moved).isPositive().isLessThanOrEqualTo((int) (1.2 * KEYS / N));

        ticker.advance(Duration.ofSeconds(11));
        assertThat(assign(up, clients)).isEqualTo(before);
    }

    private static List<InetAddress> clients() throws UnknownHostException {
        SplittableRandom random = new SplittableRandom(42);
        List<InetAddress> out = new ArrayList<>();
        byte[] b = new byte[4];
        for (int i = 0; i < KEYS; i++) {
            random.nextBytes(b);
            out.add(InetAddress.getByAddress(b));
        }
        return out;
    }

    private static List<String> assign(List<ServerConfig> servers, List<InetAddress> clients) {
        Upstream up = Upstream.create(Fixtures.service(KETAMA, servers.toArray(new ServerConfig[0])), new FakeTicker(),
                ServerStateListener.NONE);
        return assign(up, clients);
    }

    /** Every connect succeeds, so a server back after fail-timeout passes its trial (nginx). */
    private static List<String> assign(Upstream up, List<InetAddress> clients) {
        List<String> out = new ArrayList<>();
        for (InetAddress c : clients) {
            ServerState s = up.select(up.newAttempt().reset(c, 5000));
            s.connected(up.ticker().nanos());
            s.release();
            out.add(s.name());
        }
        return out;
    }
}

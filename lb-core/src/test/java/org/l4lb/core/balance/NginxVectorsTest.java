package org.l4lb.core.balance;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.l4lb.core.Fixtures;
import org.l4lb.core.config.BalanceConfig;
import org.l4lb.core.config.HashKey;
import org.l4lb.core.config.ServerConfig;
import org.l4lb.core.config.Strategy;
import org.l4lb.core.time.FakeTicker;
import org.l4lb.core.upstream.ServerState;
import org.l4lb.core.upstream.ServerStateListener;
import org.l4lb.core.upstream.Upstream;

/**
 * Where nginx itself sends each client. The vectors in {@code nginx-vectors/vectors.csv} were not
 * computed from our code: {@code nginx-vectors/generate.sh} ran a real nginx 1.22.1 with four
 * backends (weights 3,1,2,1) behind {@code ip_hash}, {@code hash $remote_addr consistent} and
 * {@code hash $remote_addr}, plus the same with the first server {@code down} (which drives every
 * rehash path), and recorded which backend answered curl from each of 60 source addresses.
 */
class NginxVectorsTest {

    record Vector(String strategy, String client, String server) {
    }

    @ParameterizedTest
    @ValueSource(strings = {"ip-hash", "consistent-hash", "modular-hash",
        "ip-hash-a-down", "consistent-hash-a-down", "modular-hash-a-down"})
    void everyClientLandsWhereNginxPutIt(String variant) throws IOException {
        List<Vector> vectors = vectors().stream().filter(v -> v.strategy.equals(variant)).toList();
        assertThat(vectors).hasSize(60);

        boolean aDown = variant.endsWith("-a-down");
        String base = aDown ? variant.substring(0, variant.length() - "-a-down".length()) : variant;
        BalanceConfig balance = switch (base) {
            case "ip-hash" -> new BalanceConfig(Strategy.IP_HASH, HashKey.SOURCE_IP, false, Duration.ZERO, 1);
            case "consistent-hash" -> new BalanceConfig(Strategy.HASH, HashKey.SOURCE_IP, true, Duration.ZERO, 1);
            default -> new BalanceConfig(Strategy.HASH, HashKey.SOURCE_IP, false, Duration.ZERO, 1);
        };
        ServerConfig a = Fixtures.server("127.0.0.1:19001", 3);
        Upstream up = Upstream.create(Fixtures.service(balance, aDown ? Fixtures.down(a) : a,
                Fixtures.server("127.0.0.1:19002", 1), Fixtures.server("127.0.0.1:19003", 2),
                Fixtures.server("127.0.0.1:19004", 1)), new FakeTicker(), ServerStateListener.NONE);

        List<String> mismatches = new ArrayList<>();
        for (Vector v : vectors) {
            Attempt attempt = up.newAttempt().reset(InetAddress.getByName(v.client), 40000);
            ServerState s = up.select(attempt);
            String got = String.valueOf((char) ('a' + s.config().address().text().charAt(14) - '1'));
            s.release();
            if (!got.equals(v.server)) {
                mismatches.add(v.client + ": nginx " + v.server + ", we " + got);
            }
        }
        assertThat(mismatches).isEmpty();
    }

    static List<Vector> vectors() throws IOException {
        try (InputStream in = NginxVectorsTest.class.getResourceAsStream("/nginx-vectors/vectors.csv")) {
            String text = new String(in.readAllBytes(), StandardCharsets.US_ASCII);
            return text.lines().skip(1).map(l -> l.split(",")).map(f -> new Vector(f[0], f[1], f[2])).toList();
        }
    }
}

package org.l4lb.tcp.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every strategy observed end to end through a real lb-tcp process, with clients bound to
 * different 127.x.y.z source addresses. The hash strategies must put each client exactly where a
 * real nginx put it (the vectors of lb-core's nginx-vectors, recorded with these four servers).
 */
class StrategiesIT {

    @TempDir
    Path dir;

    static final List<Backend> FOUR = new ArrayList<>();

    @BeforeAll
    static void backends() throws IOException {
        String[] names = {"a", "b", "c", "d"};
        for (int i = 0; i < 4; i++) {
            String name = names[i];
            // Answers its name, then holds the session until the client closes.
            FOUR.add(new Backend(name, 19001 + i, s -> {
                s.getOutputStream().write(name.getBytes(StandardCharsets.US_ASCII));
                s.getOutputStream().flush();
                s.getInputStream().read();
            }));
        }
    }

    @AfterAll
    static void stop() throws IOException {
        for (Backend b : FOUR) {
            b.close();
        }
    }

    private static final String SERVERS = """
            servers = [
              { address = "127.0.0.1:19001", weight = 3 }
              { address = "127.0.0.1:19002", weight = 1 }
              { address = "127.0.0.1:19003", weight = 2 }
              { address = "127.0.0.1:19004", weight = 1 }
            ]
            """;

    private LbProcess lb(int port, String balance) throws Exception {
        return LbProcess.start(dir, """
                services.s {
                  listen = ["127.0.0.1:%d"]
                  health-check.type = none
                  %s
                  %s
                }
                """.formatted(port, balance, SERVERS));
    }

    /** Opens a session from {@code source}, returns the server's name; the socket stays open if {@code keep} is given. */
    private static String ask(int port, String source, List<Socket> keep) throws IOException {
        Socket s = new Socket();
        s.bind(new InetSocketAddress(source, 0));
        s.connect(new InetSocketAddress("127.0.0.1", port));
        s.setSoTimeout(5000);
        int ch = s.getInputStream().read();
        if (keep != null) {
            keep.add(s);
        } else {
            s.close();
        }
        return ch < 0 ? "-" : String.valueOf((char) ch);
    }

    private static Map<String, Integer> count(List<String> names) {
        Map<String, Integer> m = new LinkedHashMap<>();
        names.forEach(n -> m.merge(n, 1, Integer::sum));
        return m;
    }

    @Test
    void roundRobinFollowsWeightsExactly() throws Exception {
        int port = Ports.free();
        try (LbProcess lb = lb(port, "strategy = round-robin")) {
            List<String> got = new ArrayList<>();
            for (int i = 0; i < 70; i++) {
                got.add(ask(port, "127.0.0.1", null));
            }
            assertThat(count(got)).containsEntry("a", 30).containsEntry("b", 10).containsEntry("c", 20).containsEntry("d", 10);
        }
    }

    @Test
    void hashStrategiesPutEveryClientWhereNginxPutIt() throws Exception {
        Path csv = Path.of("../lb-core/src/test/resources/nginx-vectors/vectors.csv");
        List<String[]> vectors = Files.readAllLines(csv).stream().skip(1).map(l -> l.split(",")).toList();
        Map<String, String> configs = Map.of(
                "ip-hash", "strategy = ip-hash",
                "consistent-hash", "strategy = hash\nconsistent = true",
                "modular-hash", "strategy = hash");
        for (Map.Entry<String, String> e : configs.entrySet()) {
            int port = Ports.free();
            try (LbProcess lb = lb(port, e.getValue())) {
                List<String> mismatches = new ArrayList<>();
                for (String[] v : vectors) {
                    if (v[0].equals(e.getKey())) {
                        String got = ask(port, v[1], null);
                        if (!got.equals(v[2])) {
                            mismatches.add(v[1] + ": nginx " + v[2] + ", l4lb " + got);
                        }
                    }
                }
                assertThat(mismatches).as(e.getKey()).isEmpty();
            }
        }
    }

    @Test
    void leastConnSpreadsHeldSessionsByWeight() throws Exception {
        int port = Ports.free();
        List<Socket> held = new ArrayList<>();
        try (LbProcess lb = lb(port, "strategy = least-conn")) {
            List<String> got = new ArrayList<>();
            for (int i = 0; i < 14; i++) {
                got.add(ask(port, "127.0.0.1", held));
            }
            assertThat(count(got)).containsEntry("a", 6).containsEntry("b", 2).containsEntry("c", 4).containsEntry("d", 2);
        } finally {
            for (Socket s : held) {
                s.close();
            }
        }
    }

    @Test
    void randomTwoKeepsHeldSessionsNearTheWeights() throws Exception {
        int port = Ports.free();
        List<Socket> held = new ArrayList<>();
        try (LbProcess lb = lb(port, "strategy = random-two")) {
            List<String> got = new ArrayList<>();
            for (int i = 0; i < 70; i++) {
                got.add(ask(port, "127.0.0.1", held));
            }
            // Per weight unit the loads stay close: no server gets twice its fair share.
            Map<String, Integer> c = count(got);
            assertThat(c.getOrDefault("a", 0) / 3.0).isBetween(5.0, 20.0);
            assertThat(c.getOrDefault("b", 0) / 1.0).isBetween(5.0, 20.0);
            assertThat(c.getOrDefault("c", 0) / 2.0).isBetween(5.0, 20.0);
            assertThat(c.getOrDefault("d", 0) / 1.0).isBetween(5.0, 20.0);
        } finally {
            for (Socket s : held) {
                s.close();
            }
        }
    }

    @Test
    void firstFillsInDeclaredOrderUpToMaxConns() throws Exception {
        int port = Ports.free();
        List<Socket> held = new ArrayList<>();
        try (LbProcess lb = LbProcess.start(dir, """
                services.s {
                  listen = ["127.0.0.1:%d"]
                  health-check.type = none
                  strategy = first
                  servers = [
                    { address = "127.0.0.1:19001", max-conns = 2 }
                    { address = "127.0.0.1:19002", max-conns = 2 }
                    "127.0.0.1:19003"
                  ]
                }
                """.formatted(port))) {
            List<String> got = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                got.add(ask(port, "127.0.0.1", held));
            }
            assertThat(got).containsExactly("a", "a", "b", "b", "c", "c");
        } finally {
            for (Socket s : held) {
                s.close();
            }
        }
    }

    @Test
    void persistenceKeepsEachClientOnItsServer() throws Exception {
        int port = Ports.free();
        try (LbProcess lb = lb(port, "strategy = round-robin\npersistence-timeout = 1m")) {
            Map<String, String> first = new LinkedHashMap<>();
            for (int round = 0; round < 5; round++) {
                for (int c = 1; c <= 12; c++) {
                    String source = "127.0.9." + c;
                    String got = ask(port, source, null);
                    String before = first.putIfAbsent(source, got);
                    if (before != null) {
                        assertThat(got).as(source).isEqualTo(before);
                    }
                }
            }
            assertThat(new java.util.HashSet<>(first.values())).as("clients spread over servers").hasSizeGreaterThan(2);
        }
    }
}

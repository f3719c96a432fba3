package org.l4lb.tcp.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.ConnectException;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reloads of a node under load, as an operator does them: services, listen addresses and servers
 * added and removed, weights and strategies changed, by SIGHUP and by POST /reload. No connection
 * may fail, no long-lived session may break, and new connections follow each new configuration.
 */
class ReloadIT {

    private static final String TOKEN = "reload-it-token";
    private static final List<String> STRATEGIES = List.of("round-robin", "least-conn", "round-robin", "random-two",
            "hash", "round-robin", "first");
    /** The web service's servers and weights, one set per reload, in turn. */
    private static final List<Map<String, Integer>> WEIGHTS = List.of(
            Map.of("a", 3, "b", 1),
            Map.of("a", 1, "b", 1, "c", 2),
            Map.of("b", 1, "c", 1, "d", 1),
            Map.of("a", 2, "d", 1),
            Map.of("c", 5, "d", 1, "a", 1));

    @TempDir
    Path dir;

    private final Map<String, Backend> backends = new LinkedHashMap<>();

    private String config(int i, int web, int web2, int stream, int extra) {
        Map<String, Integer> weights = WEIGHTS.get(i % WEIGHTS.size());
        String strategy = STRATEGIES.get(i % STRATEGIES.size());
        String servers = weights.entrySet().stream().sorted(Map.Entry.comparingByKey())
                .map(e -> "{ address = \"" + backends.get(e.getKey()).address() + "\", weight = " + e.getValue() + " }")
                .collect(Collectors.joining(", "));
        String webListen = "\"127.0.0.1:" + web + "\"" + (i % 3 == 0 ? ", \"127.0.0.1:" + web2 + "\"" : "");
        String streamServers = "{ address = \"" + backends.get("e1").address() + "\", weight = " + (1 + i % 4) + " }"
                + (i % 10 < 5 ? ", \"" + backends.get("e2").address() + "\"" : "");
        return """
                admin.token = "%s"
                shutdown-timeout = 5s
                max-connections = %d
                services.web { listen = [%s], strategy = %s, hash-key = source-ip-port, consistent = %s,
                  health-check.type = none, idle-timeout = %ds, servers = [%s] }
                services.stream { listen = ["127.0.0.1:%d"], strategy = %s, health-check.type = none, servers = [%s] }
                """.formatted(TOKEN, 10_000 + i, webListen, strategy, i % 2 == 0, 60 + i, servers, stream,
                i % 2 == 0 ? "round-robin" : "least-conn", streamServers)
                + (i % 2 == 0 ? "services.extra { listen = [\"127.0.0.1:%d\"], health-check.type = tcp, servers = [\"%s\"] }\n"
                        .formatted(extra, backends.get("d").address()) : "");
    }

    private static String read(int port) throws Exception {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(5000);
            return new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
        }
    }

    private static boolean refused(int port) throws Exception {
        try (Socket s = new Socket("127.0.0.1", port)) {
            return false;
        } catch (ConnectException e) {
            return true;
        }
    }

    @Test
    void fiftyReloadsUnderLoadLoseNoConnectionAndBreakNoSession() throws Exception {
        for (String n : List.of("a", "b", "c", "d")) {
            backends.put(n, Backend.naming(n));
        }
        backends.put("e1", new Backend("e1", EchoStreams::echo));
        backends.put("e2", new Backend("e2", EchoStreams::echo));
        int web = Ports.free();
        int web2 = Ports.free();
        int stream = Ports.free();
        int extra = Ports.free();
        try (LbProcess lb = LbProcess.start(dir, config(0, web, web2, stream, extra))) {
            EchoStreams streams = new EchoStreams(stream, 20);
            List<Double> counted = new ArrayList<>();
            try (ConnectionLoad load = new ConnectionLoad(web, 4, 15)) {
                for (int i = 1; i <= 50; i++) {
                    lb.rewrite(config(i, web, web2, stream, extra));
                    if (i % 2 == 0) {
                        lb.signal("HUP");
                        lb.awaitLog("reload done", i, Duration.ofSeconds(10));
                    } else {
                        HttpResponse<String> r = lb.send("POST", "/reload", TOKEN);
                        assertThat(r.statusCode()).as("reload %d: %s", i, r.body()).isEqualTo(200);
                    }
                    long applied = System.nanoTime();
                    Thread.sleep(700);
                    Map<String, Integer> weights = WEIGHTS.get(i % WEIGHTS.size());
                    Map<String, Integer> seen = load.servedSince(applied);
                    assertThat(weights.keySet()).as("reload %d: only the new servers take new sessions", i)
                            .containsAll(seen.keySet());
                    int total = seen.values().stream().mapToInt(Integer::intValue).sum();
                    assertThat(total).as("reload %d: the load went on", i).isGreaterThan(100);
                    if (STRATEGIES.get(i % STRATEGIES.size()).equals("round-robin")) {
                        int sum = weights.values().stream().mapToInt(Integer::intValue).sum();
                        for (var e : weights.entrySet()) {
                            assertThat(seen.getOrDefault(e.getKey(), 0) / (double) total)
                                    .as("reload %d: %s's share of %s (weights %s)", i, e.getKey(), seen, weights)
                                    .isCloseTo(e.getValue() / (double) sum, Offset.offset(0.08));
                        }
                    }
                    if (i % 2 == 0) {
                        assertThat(read(extra)).as("reload %d: service extra added", i).isEqualTo("d");
                    } else {
                        assertThat(refused(extra)).as("reload %d: service extra removed", i).isTrue();
                    }
                    if (i % 3 == 0) {
                        assertThat(weights).containsKey(read(web2));
                    } else {
                        assertThat(refused(web2)).as("reload %d: listen address removed", i).isTrue();
                    }
                    double sessions = lb.metricSum("l4lb_service_sessions_total", "service=\"web\"");
                    assertThat(sessions).as("counters never go back").isGreaterThanOrEqualTo(
                            counted.isEmpty() ? 0 : counted.get(counted.size() - 1));
                    counted.add(sessions);
                    assertThat(load.failures()).as("failed connections after reload %d", i).isEmpty();
                    assertThat(streams.broken).as("broken sessions after reload %d", i).isEmpty();
                }
            }
            List<Long> moved = streams.finish();
            assertThat(streams.broken).isEmpty();
            assertThat(moved).hasSize(20).allSatisfy(b -> assertThat(b).isGreaterThan(100_000L));
            assertThat(lb.alive()).isTrue();
            assertThat(lb.count("reload refused")).isZero();
        } finally {
            for (Backend b : backends.values()) {
                b.close();
            }
        }
    }

    @Test
    void aBrokenFileIsRefusedWithItsProblemsAndTheOldConfigurationServesOn() throws Exception {
        try (Backend a = Backend.naming("a"); Backend b = Backend.naming("b")) {
            int port = Ports.free();
            String good = """
                    admin.token = "%s"
                    services.s { listen = ["127.0.0.1:%d"], health-check.type = none, servers = ["%s"] }
                    """.formatted(TOKEN, port, a.address());
            try (LbProcess lb = LbProcess.start(dir, good)) {
                lb.rewrite("""
                        admin.token = "%s"
                        services.s { listen = ["127.0.0.1:%d"], health-check.type = none,
                          servers = ["%s", { address = "%s", weight = -1 }], strategy = fastest }
                        """.formatted(TOKEN, port, a.address(), b.address()));
                HttpResponse<String> r = lb.send("POST", "/reload", TOKEN);
                assertThat(r.statusCode()).isEqualTo(400);
                List<String> lines = Files.readAllLines(lb.conf);
                int line = 1 + lines.indexOf(lines.stream().filter(l -> l.contains("fastest")).findFirst().orElseThrow());
                assertThat(r.body()).contains(lb.conf.getFileName() + ":" + line + ": services.s.servers[1].weight:")
                        .contains(lb.conf.getFileName() + ":" + line + ": services.s.strategy:");
                assertThat(lb.log()).contains("reload refused").contains("services.s.strategy");
                assertThat(read(port)).isEqualTo("a");

                lb.signal("HUP");
                lb.awaitLog("still running the previous configuration", 2, Duration.ofSeconds(10));
                assertThat(lb.alive()).as("a bad reload never ends the process").isTrue();
                assertThat(read(port)).isEqualTo("a");

                lb.rewrite("transport = nio\n" + good.replace("services.s", "services.t").replace(":" + port, ":" + Ports.free()));
                r = lb.send("POST", "/reload", TOKEN);
                assertThat(r.statusCode()).isEqualTo(400);
                assertThat(r.body()).contains("transport").contains("needs a restart");
                assertThat(read(port)).as("nothing of that file was applied").isEqualTo("a");

                int taken = Ports.free();
                try (java.net.ServerSocket blocker = new java.net.ServerSocket()) {
                    blocker.bind(new java.net.InetSocketAddress("127.0.0.1", taken));
                    lb.rewrite(good + "services.u { listen = [\"127.0.0.1:%d\"], servers = [\"%s\"] }\n"
                            .formatted(taken, b.address()) + "services.v { listen = [\"127.0.0.1:%d\"], servers = [\"%s\"] }\n"
                            .formatted(Ports.free(), b.address()));
                    r = lb.send("POST", "/reload", TOKEN);
                    assertThat(r.statusCode()).isEqualTo(400);
                    assertThat(r.body()).contains("cannot listen on 127.0.0.1:" + taken).contains("nothing was applied");
                }
                assertThat(lb.get("/status")).doesNotContain("\"u\"").doesNotContain("\"v\"");
                assertThat(Files.readString(lb.conf)).contains("services.u");
            }
        }
    }
}

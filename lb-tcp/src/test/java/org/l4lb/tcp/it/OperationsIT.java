package org.l4lb.tcp.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The operator's tools against the real jar: ctl, weight ramps, runtime servers, the state file, signals. */
class OperationsIT {

    private static final String TOKEN = "operations-it-token";

    @TempDir
    Path dir;

    private static LbProcess.Exit ctl(LbProcess lb, String... command) throws Exception {
        List<String> args = new ArrayList<>(List.of("ctl", "--config", lb.conf.toString()));
        args.addAll(List.of(command));
        return LbProcess.runToExit(List.of(), args.toArray(String[]::new));
    }

    private static JsonNode status(LbProcess lb) throws Exception {
        return new ObjectMapper().readTree(lb.get("/status"));
    }

    private static JsonNode server(LbProcess lb, String service, String server) throws Exception {
        for (JsonNode s : status(lb).path("services")) {
            if (s.path("name").asText().equals(service)) {
                for (JsonNode v : s.path("servers")) {
                    if (v.path("name").asText().equals(server)) {
                        return v;
                    }
                }
            }
        }
        return null;
    }

    private static String config(int web, int db, Backend... servers) {
        StringBuilder list = new StringBuilder();
        for (Backend b : servers) {
            list.append(list.length() == 0 ? "" : ", ").append('"').append(b.address()).append('"');
        }
        return """
                admin.token = "%s"
                services.web { listen = ["127.0.0.1:%d"], health-check.type = none, servers = [%s] }
                services.db { listen = ["127.0.0.1:%d"], strategy = least-conn, health-check.type = none, servers = [%s] }
                """.formatted(TOKEN, web, list, db, list);
    }

    @Test
    void ctlStatusShowsWhatStatusSaysAndCtlCommandsChangeTheNode() throws Exception {
        try (Backend a = Backend.naming("a"); Backend b = Backend.naming("b"); Backend c = Backend.naming("c")) {
            int web = Ports.free();
            int db = Ports.free();
            try (LbProcess lb = LbProcess.start(dir, config(web, db, a, b))) {
                Backend.served(web, 4);
                assertThat(ctl(lb, "drain", "db", b.address()).code()).isZero();
                LbProcess.Exit st = ctl(lb, "status");
                assertThat(st.code()).as(st.output()).isZero();
                List<String> rows = st.output().lines().filter(l -> l.startsWith("web ") || l.startsWith("db ")).toList();
                JsonNode status = status(lb);
                int servers = 0;
                for (JsonNode svc : status.path("services")) {
                    for (JsonNode s : svc.path("servers")) {
                        servers++;
                        String row = rows.stream().filter(r -> r.startsWith(svc.path("name").asText() + " ")
                                && r.contains(" " + s.path("name").asText() + " ")).findFirst().orElseThrow(
                                        () -> new AssertionError("no row for " + s.path("name") + " in\n" + st.output()));
                        assertThat(row.split("\\s+")).as(row).containsSequence(svc.path("name").asText(),
                                s.path("name").asText(), s.path("state").asText(),
                                s.path("configuredWeight").asText() + "/" + s.path("effectiveWeight").asText(),
                                s.path("activeSessions").asText() + "/" + s.path("totalSessions").asText());
                    }
                }
                assertThat(rows).hasSize(servers).hasSize(4);
                assertThat(st.output()).contains("draining").contains("admin draining");

                assertThat(ctl(lb, "weight", "web", a.address(), "3").code()).isZero();
                assertThat(Backend.served(web, 8)).containsExactlyInAnyOrderEntriesOf(Map.of("a", 6, "b", 2));
                assertThat(ctl(lb, "add", "web", c.address(), "weight=2").code()).isZero();
                assertThat(Backend.served(web, 12)).containsExactlyInAnyOrderEntriesOf(Map.of("a", 6, "b", 2, "c", 4));
                assertThat(ctl(lb, "remove", "web", a.address()).code()).isZero();
                assertThat(Backend.served(web, 6)).containsExactlyInAnyOrderEntriesOf(Map.of("b", 2, "c", 4));
                assertThat(lb.get("/metrics")).doesNotContain("server=\"" + a.address() + "\",service=\"web\"")
                        .contains("server=\"" + c.address() + "\",service=\"web\"");

                LbProcess.Exit bad = ctl(lb, "add", "web", c.address());
                assertThat(bad.code()).isEqualTo(1);
                assertThat(bad.output()).contains("already has server " + c.address());
                assertThat(ctl(lb, "weight", "web", b.address(), "x").output()).contains("weight: not a whole number");
                assertThat(ctl(lb, "add", "web", "127.0.0.1:1", "wieght=2").output()).contains("did you mean 'weight'");
                assertThat(ctl(lb, "frobnicate").code()).isEqualTo(64);
                assertThat(LbProcess.runToExit(List.of(), "ctl", "--admin", "127.0.0.1:" + lb.adminPort, "reload").code())
                        .as("no token").isEqualTo(4);
                assertThat(LbProcess.runToExit(List.of(), "ctl", "--admin", "127.0.0.1:" + Ports.free(), "status").code())
                        .as("no node there").isEqualTo(3);

                lb.rewrite(config(web, db, b) + "services.extra { listen = [\"127.0.0.1:" + Ports.free() + "\"], servers = [\""
                        + c.address() + "\"] }\n");
                LbProcess.Exit reload = ctl(lb, "reload");
                assertThat(reload.code()).as(reload.output()).isZero();
                assertThat(reload.output()).contains("service extra added").contains("server " + a.address() + " removed");
                assertThat(Backend.served(web, 6)).as("the server added at runtime stays over a reload")
                        .containsExactlyInAnyOrderEntriesOf(Map.of("b", 2, "c", 4));

                lb.rewrite(config(web, db, b).replace("least-conn", "fastest"));
                reload = ctl(lb, "reload");
                assertThat(reload.code()).as("the node refused it").isEqualTo(1);
                assertThat(reload.output()).contains(lb.conf.getFileName() + ":").contains("services.db.strategy");
                assertThat(Backend.served(web, 3)).as("still serving").hasSize(2);

                Files.writeString(lb.conf, "services {");
                reload = ctl(lb, "reload");
                assertThat(reload.code()).as("ctl cannot read the admin address from a file that does not parse").isEqualTo(2);
                assertThat(reload.output()).contains(lb.conf.getFileName().toString());
            }
        }
    }

    @Test
    void aRampMovesTheWeightOverTimeAndTheTrafficWithIt() throws Exception {
        try (Backend a = Backend.naming("a"); Backend b = Backend.naming("b")) {
            int web = Ports.free();
            try (LbProcess lb = LbProcess.start(dir, config(web, Ports.free(), a, b))) {
                assertThat(ctl(lb, "weight", "web", b.address(), "0").code()).isZero();
                assertThat(Backend.served(web, 5)).containsOnlyKeys("a");
                assertThat(ctl(lb, "weight", "web", b.address(), "8", "--ramp", "4s").code()).isZero();
                List<Integer> weights = new ArrayList<>();
                long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
                while (System.nanoTime() < deadline) {
                    JsonNode s = server(lb, "web", b.address());
                    weights.add(s.path("weight").asInt());
                    if (s.path("rampLeftMs").asLong() == 0 && s.path("weight").asInt() == 8) {
                        break;
                    }
                    assertThat(s.path("targetWeight").asInt()).isEqualTo(8);
                    Thread.sleep(300);
                }
                assertThat(weights).as("sampled weights").isSorted().contains(8);
                assertThat(weights.stream().filter(w -> w > 0 && w < 8).distinct().count()).as("steps between: " + weights)
                        .isGreaterThanOrEqualTo(3);
                assertThat(Backend.served(web, 18)).containsExactlyInAnyOrderEntriesOf(Map.of("a", 2, "b", 16));
                assertThat(lb.log()).contains("weight 0 -> 8 over 4000ms");
            }
        }
    }

    @Test
    void theStateFileKeepsRuntimeChangesAcrossARestart() throws Exception {
        try (Backend a = Backend.naming("a"); Backend b = Backend.naming("b"); Backend c = Backend.naming("c")) {
            int web = Ports.free();
            Path state = dir.resolve("l4lb.state");
            String conf = config(web, Ports.free(), a, b) + "state-file = \"" + state + "\"\n";
            try (LbProcess lb = LbProcess.start(dir, conf)) {
                assertThat(ctl(lb, "weight", "web", a.address(), "3").code()).isZero();
                assertThat(ctl(lb, "disable", "db", a.address()).code()).isZero();
                assertThat(ctl(lb, "add", "web", c.address(), "weight=2").code()).isZero();
                assertThat(ctl(lb, "remove", "web", b.address()).code()).isZero();
                assertThat(Backend.served(web, 10)).containsExactlyInAnyOrderEntriesOf(Map.of("a", 6, "c", 4));
                lb.signal("TERM");
                assertThat(lb.waitFor(Duration.ofSeconds(20))).isTrue();
            }
            try (LbProcess lb = LbProcess.start(dir, conf)) {
                assertThat(Backend.served(web, 10)).as("after the restart").containsExactlyInAnyOrderEntriesOf(Map.of("a", 6, "c", 4));
                assertThat(server(lb, "db", a.address()).path("admin").asText()).isEqualTo("disabled");
                assertThat(lb.log()).contains("state file " + state + ": 4 server state(s), 1 added, 1 removed");
            }
            // The file changes a's weight since: the file's wins over the saved one.
            String edited = conf.replace("servers = [\"" + a.address() + "\"", "servers = [{ address = \"" + a.address() + "\", weight = 5 }");
            try (LbProcess lb = LbProcess.start(dir, edited)) {
                assertThat(server(lb, "web", a.address()).path("weight").asInt()).isEqualTo(5);
            }
        }
    }

    @Test
    void aNodeStartedWithSighupIgnoredSaysHowToReload() throws Exception {
        try (Backend a = Backend.naming("a"); Backend b = Backend.naming("b")) {
            int web = Ports.free();
            try (LbProcess lb = LbProcess.start(dir, config(web, Ports.free(), a), List.of("nohup"))) {
                lb.awaitLog("SIGHUP is ignored in this process", 1, Duration.ofSeconds(10));
                assertThat(lb.log()).contains("ctl --config " + lb.conf + " reload");
                lb.rewrite(config(web, Ports.free(), a, b));
                assertThat(lb.send("POST", "/reload", TOKEN).statusCode()).isEqualTo(200);
                assertThat(Backend.served(web, 4)).containsExactlyInAnyOrderEntriesOf(Map.of("a", 2, "b", 2));
            }
        }
    }

    @Test
    void aSighupSentAsTheNodeSaysItStartedReloads() throws Exception {
        try (Backend a = Backend.naming("a")) {
            try (LbProcess lb = LbProcess.start(dir, config(Ports.free(), Ports.free(), a))) {
                lb.signal("HUP");
                lb.awaitLog("reload done", 1, Duration.ofSeconds(10));
                assertThat(lb.alive()).isTrue();
            }
        }
    }

    @Test
    void signalsReloadOrAreLoggedNeverKill() throws Exception {
        try (Backend a = Backend.naming("a"); Backend b = Backend.naming("b")) {
            int web = Ports.free();
            try (LbProcess lb = LbProcess.start(dir, config(web, Ports.free(), a))) {
                try (Socket open = new Socket("127.0.0.1", web)) {
                    lb.rewrite(config(web, Ports.free(), a, b));
                    lb.signal("HUP");
                    lb.awaitLog("reload done", 1, Duration.ofSeconds(10));
                    assertThat(Backend.served(web, 4)).containsExactlyInAnyOrderEntriesOf(Map.of("a", 2, "b", 2));
                    lb.signal("USR1");
                    lb.awaitLog("SIGUSR1: service web", 1, Duration.ofSeconds(10));
                    lb.signal("USR2");
                    lb.awaitLog("SIGUSR2: ignored", 1, Duration.ofSeconds(10));
                    assertThat(lb.alive()).isTrue();
                    open.setSoTimeout(5000);
                    assertThat(new String(open.getInputStream().readAllBytes(), StandardCharsets.US_ASCII))
                            .as("a session open across the signals").isEqualTo("a");
                }
                assertThat(Backend.served(web, 2)).hasSize(2);
            }
        }
    }

    @Test
    void aResolvedNameFollowsItsAddressesAndTheGoneOnesDrain() throws Exception {
        int port = Ports.free();
        Path hosts = Files.writeString(dir.resolve("hosts"), "127.0.0.2 app.test\n");
        try (Backend x2 = Backend.naming("x2", "127.0.0.2", port); Backend x3 = Backend.naming("x3", "127.0.0.3", port);
                Backend fixed = Backend.naming("fixed")) {
            int web = Ports.free();
            try (LbProcess lb = LbProcess.start(dir, """
                    services.web { listen = ["127.0.0.1:%d"], health-check.type = none, resolve-interval = 200ms,
                      servers = [{ address = "app.test:%d", resolve = true, weight = 2 }, "%s"] }
                    """.formatted(web, port, fixed.address()), "-Djdk.net.hosts.file=" + hosts)) {
                assertThat(Backend.served(web, 6)).containsExactlyInAnyOrderEntriesOf(Map.of("x2", 4, "fixed", 2));

                Files.writeString(hosts, "127.0.0.2 app.test\n127.0.0.3 app.test\n");
                lb.awaitLog("resolve: service web: server 127.0.0.3:" + port + " added", 1, Duration.ofSeconds(10));
                assertThat(lb.log()).contains("app.test resolves to [127.0.0.2:" + port + ", 127.0.0.3:" + port + "]");
                assertThat(Backend.served(web, 10)).containsExactlyInAnyOrderEntriesOf(Map.of("x2", 4, "x3", 4, "fixed", 2));
                assertThat(server(lb, "web", "127.0.0.3:" + port).path("weight").asInt()).as("the entry's parameters").isEqualTo(2);

                try (Socket held = new Socket("127.0.0.1", web)) {
                    held.setSoTimeout(5000);
                    String first = new String(held.getInputStream().readNBytes(2), StandardCharsets.US_ASCII);
                    Files.writeString(hosts, first.equals("x2") ? "127.0.0.3 app.test\n" : "127.0.0.2 app.test\n");
                    lb.awaitLog("resolve: service web: server 127.0.0." + (first.equals("x2") ? 2 : 3) + ":" + port + " removed",
                            1, Duration.ofSeconds(10));
                    String left = first.equals("x2") ? "x3" : "x2";
                    Map<String, Integer> after = Backend.served(web, 6);
                    assertThat(after).doesNotContainKey(first).containsKey(left);
                    assertThat(held.getInputStream().read()).as("the session on the address that went away ran on").isEqualTo(-1);
                }

                Files.writeString(hosts, "");
                lb.awaitLog("app.test does not resolve", 1, Duration.ofSeconds(10));
                assertThat(Backend.served(web, 3).keySet()).as("a name that stops resolving keeps its last addresses").hasSize(2);
            }
        }
    }
}

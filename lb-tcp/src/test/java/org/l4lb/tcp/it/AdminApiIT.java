package org.l4lb.tcp.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runtime changes through the admin endpoint: the bearer token, weights and admin states, end to end. */
class AdminApiIT {

    private static final String TOKEN = "it-admin-token-4711";

    @TempDir
    Path dir;

    private static int post(LbProcess lb, String query, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + lb.adminPort + "/servers?" + query))
                .timeout(Duration.ofSeconds(5)).POST(HttpRequest.BodyPublishers.noBody());
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return HttpClient.newHttpClient().send(b.build(), HttpResponse.BodyHandlers.ofString()).statusCode();
    }

    @Test
    void weightsAndStatesChangeAtRuntimeOnlyWithTheToken() throws Exception {
        try (Backend a = Backend.naming("a"); Backend b = Backend.naming("b")) {
            int port = Ports.free();
            try (LbProcess lb = LbProcess.start(dir, """
                    admin.token = "%s"
                    services.s { listen = ["127.0.0.1:%d"], servers = ["%s", "%s"], health-check.type = none }
                    """.formatted(TOKEN, port, a.address(), b.address()))) {
                assertThat(Backend.served(port, 20)).containsExactlyInAnyOrderEntriesOf(Map.of("a", 10, "b", 10));

                assertThat(post(lb, "service=s&server=" + a.address() + "&weight=3", null)).isEqualTo(401);
                assertThat(post(lb, "service=s&server=" + a.address() + "&weight=3", "wrong")).isEqualTo(401);
                assertThat(Backend.served(port, 20)).as("nothing changed without the token").containsEntry("a", 10);

                assertThat(post(lb, "service=s&server=" + a.address() + "&weight=3", TOKEN)).isEqualTo(200);
                assertThat(Backend.served(port, 40)).containsExactlyInAnyOrderEntriesOf(Map.of("a", 30, "b", 10));
                assertThat(lb.get("/status")).contains("\"weight\" : 3");

                assertThat(post(lb, "service=s&server=" + a.address() + "&state=disabled", TOKEN)).isEqualTo(200);
                assertThat(Backend.served(port, 20)).containsExactlyInAnyOrderEntriesOf(Map.of("b", 20));
                assertThat(post(lb, "service=s&server=" + a.address() + "&state=enabled", TOKEN)).isEqualTo(200);
                assertThat(Backend.served(port, 40)).containsExactlyInAnyOrderEntriesOf(Map.of("a", 30, "b", 10));

                assertThat(post(lb, "service=s&server=" + a.address() + "&weight=-1", TOKEN)).isEqualTo(400);
                assertThat(post(lb, "service=s&server=" + a.address() + "&state=sleepy", TOKEN)).isEqualTo(400);
                assertThat(post(lb, "service=nope&server=" + a.address() + "&weight=2", TOKEN)).isEqualTo(404);
                assertThat(lb.log()).containsPattern("admin API from 127\\.0\\.0\\.1:[0-9]+: service s server " + java.util.regex.Pattern.quote(a.address()) + ": weight 3");
            }
        }
    }

    @Test
    void withoutATokenRuntimeChangesAreOff() throws Exception {
        try (Backend a = Backend.naming("a")) {
            int port = Ports.free();
            try (LbProcess lb = LbProcess.start(dir, """
                    services.s { listen = ["127.0.0.1:%d"], servers = ["%s"], health-check.type = none }
                    """.formatted(port, a.address()))) {
                assertThat(post(lb, "service=s&server=" + a.address() + "&state=disabled", "")).isEqualTo(403);
                assertThat(Backend.served(port, 3)).containsEntry("a", 3);
            }
        }
    }

    @Test
    void aRefusedChangeChangesNothingAndNamesNoJavaClass() throws Exception {
        try (Backend a = Backend.naming("a"); Backend b = Backend.naming("b")) {
            int port = Ports.free();
            try (LbProcess lb = LbProcess.start(dir, """
                    admin.token = "%s"
                    services.s { listen = ["127.0.0.1:%d"], servers = ["%s", "%s"], health-check.type = none }
                    """.formatted(TOKEN, port, a.address(), b.address()))) {
                String server = "/servers?service=s&server=" + a.address();
                for (String bad : new String[] {"&weight=7&state=foo", "&weight=7&ramp=soon", "&weight=2000&state=disabled",
                    "&weight=x&state=disabled", "&state=disabled&weight=7&ramp=-5s"}) {
                    HttpResponse<String> r = lb.send("POST", server + bad, TOKEN);
                    assertThat(r.statusCode()).as(bad).isEqualTo(400);
                    assertThat(r.body()).as(bad).doesNotContainPattern(JAVA_CLASS).doesNotContain("Exception");
                }
                assertThat(lb.get("/status")).as("no weight changed").doesNotContain("\"weight\" : 7").doesNotContain("\"weight\" : 2000");
                assertThat(Backend.served(port, 20)).as("nothing disabled, weights as before")
                        .containsExactlyInAnyOrderEntriesOf(Map.of("a", 10, "b", 10));
                for (String bad : new String[] {"/servers?service=s&address=not%20an%20address", "/servers?service=s&address=127.0.0.1:99999",
                    "/servers?service=s&address=127.0.0.1:1&weight=abc", "/servers?service=s&address=127.0.0.1:1&max-fails=many",
                    "/servers?service=s&address=127.0.0.1:1&nonsense=1", "/servers?service=s&server=" + a.address() + "&weight=1&weight=2"}) {
                    HttpResponse<String> r = lb.send("POST", bad, TOKEN);
                    assertThat(r.statusCode()).as(bad).isBetween(400, 499);
                    assertThat(r.body()).as(bad).doesNotContainPattern(JAVA_CLASS).doesNotContain("Exception");
                }
                HttpResponse<String> r = lb.send("DELETE", "/servers?service=s&server=127.0.0.1:1", TOKEN);
                assertThat(r.statusCode()).isEqualTo(404);
                assertThat(r.body()).doesNotContainPattern(JAVA_CLASS).doesNotContain("Exception");
            }
        }
    }

    /** A Java class's qualified name, as an exception's toString starts with. */
    private static final java.util.regex.Pattern JAVA_CLASS = java.util.regex.Pattern.compile("\\b(java|javax|com|io|org)\\.[a-z]+\\.[A-Za-z.]*[A-Z]\\w*");

    @Test
    void idleHalfSentOversizedAndResetConnectionsAreCutQuietly() throws Exception {
        try (Backend a = Backend.naming("a")) {
            int port = Ports.free();
            try (LbProcess lb = LbProcess.start(dir, """
                    services.s { listen = ["127.0.0.1:%d"], servers = ["%s"], health-check.type = none }
                    """.formatted(port, a.address()))) {
                java.util.List<java.net.Socket> idle = new java.util.ArrayList<>();
                try {
                    for (int i = 0; i < 200; i++) {
                        java.net.Socket s = new java.net.Socket("127.0.0.1", lb.adminPort);
                        if (i % 2 == 1) {
                            s.getOutputStream().write("GET /status HTTP/1.1\r\nHost: x\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                        }
                        idle.add(s);
                    }
                    long start = System.nanoTime();
                    for (java.net.Socket s : idle) {
                        s.setSoTimeout(20_000);
                        assertThat(s.getInputStream().read()).as("cut by the node").isEqualTo(-1);
                    }
                    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(15));
                } finally {
                    for (java.net.Socket s : idle) {
                        s.close();
                    }
                }

                try (java.net.Socket s = new java.net.Socket("127.0.0.1", lb.adminPort)) {
                    s.setSoTimeout(10_000);
                    String big = "X-Big: " + "a".repeat(100 * 1024) + "\r\n";
                    s.getOutputStream().write(("GET /status HTTP/1.1\r\nHost: x\r\n" + big + "\r\n")
                            .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                    String answer = new String(s.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.US_ASCII);
                    assertThat(answer).startsWith("HTTP/1.1 431").doesNotContain("\"services\"");
                } catch (java.net.SocketException e) {
                    // The node may cut the rest of the upload with a reset once it has answered.
                    assertThat(e.getMessage()).contains("reset");
                }

                for (int i = 0; i < 50; i++) {
                    try (java.net.Socket s = new java.net.Socket("127.0.0.1", lb.adminPort)) {
                        s.getOutputStream().write("GET /sta".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                        s.setSoLinger(true, 0); // the close is a reset
                    }
                }
                Thread.sleep(500);
                assertThat(lb.get("/status")).contains("\"services\"");
                assertThat(lb.log().lines().filter(l -> l.contains(" WARN ") || l.contains(" ERROR ")).toList())
                        .as("resets and cut connections log nothing").isEmpty();
            }
        }
    }
}

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
}

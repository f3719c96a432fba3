package org.l4lb.core.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RestartNeededTest {

    @TempDir
    Path dir;

    private LbConfig load(String content) throws Exception {
        Path p = Files.writeString(dir.resolve("n" + content.hashCode() + ".conf"), content
                + "\nservices.web { listen = [\"127.0.0.1:9000\"], servers = [\"10.0.0.1:80\"] }\n");
        return ConfigLoader.load(p, Map.of());
    }

    @Test
    void whatALiveProcessCannotChangeIsNamed() throws Exception {
        LbConfig base = load("ha { enabled = true, insecure = true, priority = 100 }");
        assertThat(RestartNeeded.between(base, load("ha { enabled = true, insecure = true, priority = 150, preempt = false }")))
                .as("election settings reload").isEmpty();
        assertThat(RestartNeeded.between(base, load("event-loops = 3\ntransport = nio\nha { enabled = true, insecure = true, group = other }")))
                .containsExactly("event-loops", "transport", "ha.group");
        assertThat(RestartNeeded.between(base, load("admin.listen = \"127.0.0.1:9191\"\nha.enabled = false")))
                .containsExactly("admin.listen", "ha.enabled");
        assertThat(RestartNeeded.between(base, load("admin.token = abc\nmax-connections = 10\nha { enabled = true, insecure = true }")))
                .isEmpty();
    }
}

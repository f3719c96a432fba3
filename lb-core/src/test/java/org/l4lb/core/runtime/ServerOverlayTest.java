package org.l4lb.core.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.l4lb.core.config.ConfigLoader;
import org.l4lb.core.config.InvalidConfigException;
import org.l4lb.core.config.LbConfig;
import org.l4lb.core.config.ServerConfig;
import org.l4lb.core.config.ServiceConfig;
import org.l4lb.core.upstream.AdminState;

class ServerOverlayTest {

    @TempDir
    Path dir;

    private LbConfig load(String servers) throws Exception {
        Path p = dir.resolve("node.conf");
        Files.writeString(p, "server-defaults.max-fails = 3\nservices.web { listen = [\"127.0.0.1:9000\"], servers = " + servers + " }\n");
        return ConfigLoader.load(p, Map.of());
    }

    private static List<String> names(LbConfig c) {
        return c.service("web").orElseThrow().servers().stream().map(ServerConfig::name).toList();
    }

    private ServerOverlay.Added added(LbConfig c, Map<String, String> params) throws InvalidConfigException {
        return new ServerOverlay.Added(ConfigLoader.server(params, c.serverDefaults(), "admin API"), params);
    }

    @Test
    void addedAndRemovedServersSurviveAReloadOfAnUnchangedFile() throws Exception {
        LbConfig file = load("[\"10.0.0.1:80\", \"10.0.0.2:80\"]");
        ServerOverlay o = new ServerOverlay();
        o.add(o.apply(file).service("web").orElseThrow(), added(file, Map.of("address", "10.0.0.3:80", "weight", "5")));
        ServiceConfig effective = o.apply(file).service("web").orElseThrow();
        o.remove(effective, file.service("web").orElseThrow(), "10.0.0.1:80");
        assertThat(names(o.apply(file))).containsExactly("10.0.0.2:80", "10.0.0.3:80");
        ServerConfig three = o.apply(file).service("web").orElseThrow().servers().get(1);
        assertThat(three.weight()).isEqualTo(5);
        assertThat(three.maxFails()).as("the file's server-defaults apply").isEqualTo(3);

        LbConfig same = load("[\"10.0.0.1:80\", \"10.0.0.2:80\"]");
        o.reconcile(same);
        assertThat(names(o.apply(same))).containsExactly("10.0.0.2:80", "10.0.0.3:80");
    }

    @Test
    void theFileWinsWhereItChangedThatVeryServer() throws Exception {
        LbConfig file = load("[\"10.0.0.1:80\", \"10.0.0.2:80\"]");
        ServerOverlay o = new ServerOverlay();
        o.add(o.apply(file).service("web").orElseThrow(), added(file, Map.of("address", "10.0.0.3:80", "weight", "5")));
        o.remove(o.apply(file).service("web").orElseThrow(), file.service("web").orElseThrow(), "10.0.0.1:80");

        LbConfig edited = load("[{ address = \"10.0.0.1:80\", weight = 2 }, \"10.0.0.2:80\", { address = \"10.0.0.3:80\", weight = 7 }]");
        o.reconcile(edited);
        LbConfig effective = o.apply(edited);
        assertThat(names(effective)).as("the removed one changed in the file: it is back; the added one is the file's now")
                .containsExactly("10.0.0.1:80", "10.0.0.2:80", "10.0.0.3:80");
        assertThat(effective.service("web").orElseThrow().servers().get(2).weight()).isEqualTo(7);
        assertThat(o.added()).isEmpty();
        assertThat(o.removed()).isEmpty();
    }

    @Test
    void aServiceMustKeepAPrimaryAndNamesAreUnique() throws Exception {
        LbConfig file = load("[\"10.0.0.1:80\"]");
        ServerOverlay o = new ServerOverlay();
        ServiceConfig web = o.apply(file).service("web").orElseThrow();
        assertThatThrownBy(() -> o.remove(web, web, "10.0.0.1:80")).hasMessageContaining("needs at least one server");
        assertThatThrownBy(() -> o.add(web, added(file, Map.of("address", "10.0.0.1:80"))))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("already has server 10.0.0.1:80");
        assertThatThrownBy(() -> o.remove(web, web, "10.0.0.9:80")).hasMessageContaining("has no server 10.0.0.9:80");
        assertThatThrownBy(() -> added(file, Map.of("address", "10.0.0.2:80", "wieght", "2")))
                .isInstanceOf(InvalidConfigException.class).hasMessageContaining("wieght");
        assertThat(names(o.apply(file))).containsExactly("10.0.0.1:80");
    }

    @Test
    void aRemovedServerAddedBackAsTheFileHasItIsTheFilesAgain() throws Exception {
        LbConfig file = load("[\"10.0.0.1:80\", \"10.0.0.2:80\"]");
        ServerOverlay o = new ServerOverlay();
        o.remove(o.apply(file).service("web").orElseThrow(), file.service("web").orElseThrow(), "10.0.0.2:80");
        o.add(o.apply(file).service("web").orElseThrow(), added(file, Map.of("address", "10.0.0.2:80", "max-fails", "3")));
        assertThat(o.removed()).isEmpty();
        assertThat(o.added()).isEmpty();
        o.remove(o.apply(file).service("web").orElseThrow(), file.service("web").orElseThrow(), "10.0.0.2:80");
        o.add(o.apply(file).service("web").orElseThrow(), added(file, Map.of("address", "10.0.0.2:80", "weight", "9")));
        o.reconcile(file);
        assertThat(o.apply(file).service("web").orElseThrow().servers().get(1).weight())
                .as("added in place of the file's unchanged entry: still in place").isEqualTo(9);
    }

    @Test
    void theStateFileKeepsWhatTheOverlayAndTheServersHold() throws Exception {
        Path state = dir.resolve("state.json");
        StateFile.write(state, new StateFile.Content(
                List.of(new SavedServer("web", "10.0.0.1:80", 1, 0, AdminState.DRAINING)),
                List.of(new StateFile.AddedEntry("web", Map.of("address", "10.0.0.3:80", "weight", "5"))),
                List.of(new StateFile.RemovedEntry("web", Map.of("address", "unix:/run/a \"b\".sock")))));
        StateFile.Content back = StateFile.read(state);
        assertThat(back.servers()).containsExactly(new SavedServer("web", "10.0.0.1:80", 1, 0, AdminState.DRAINING));
        assertThat(back.added()).containsExactly(new StateFile.AddedEntry("web", Map.of("address", "10.0.0.3:80", "weight", "5")));
        assertThat(back.removed().get(0).fileEntry()).containsEntry("address", "unix:/run/a \"b\".sock");
        assertThat(StateFile.read(dir.resolve("absent.json")).servers()).isEmpty();
        Files.writeString(state, "{ not json");
        assertThatThrownBy(() -> StateFile.read(state)).hasMessageContaining("not a state file");
        assertThat(Files.list(dir).map(p -> p.getFileName().toString())).as("no temporary file left").doesNotContain(".state.json.tmp");
    }

    @Test
    void aFilesEntryRoundTripsThroughItsParams() throws Exception {
        LbConfig file = load("[{ address = \"10.0.0.1:80\", weight = 4, backup = false, fail-timeout = 1500ms, slow-start = 1m }]");
        ServerConfig s = file.service("web").orElseThrow().servers().get(0);
        assertThat(ConfigLoader.server(ServerParams.of(s), file.serverDefaults(), "state")).isEqualTo(s);
    }
}

package org.l4lb.tcp;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.l4lb.core.config.ConfigLoader;
import org.l4lb.core.config.InvalidConfigException;
import org.l4lb.core.config.LbConfig;
import org.l4lb.core.config.ServerConfig;
import org.l4lb.core.runtime.SavedServer;
import org.l4lb.core.runtime.ServerOverlay;
import org.l4lb.core.runtime.ServerParams;
import org.l4lb.core.runtime.StateFile;
import org.l4lb.core.upstream.ServerState;
import org.l4lb.tcp.proxy.Service;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's runtime changes in its {@code state-file} (HAProxy's server-state-file): read at
 * start into the runtime layer and the servers' weights and admin states, written after every
 * change.
 */
final class StateKeeping {

    private static final Logger LOG = LoggerFactory.getLogger(StateKeeping.class);

    private StateKeeping() {
    }

    /**
     * Reads the state file of {@code file} into {@code overlay}.
     *
     * @return the saved weights and admin states, for {@link #putBack} once the node runs
     * @throws IOException when a state file is there but unreadable
     */
    static List<SavedServer> read(LbConfig file, ServerOverlay overlay) throws IOException {
        if (file.stateFile().isEmpty()) {
            return List.of();
        }
        StateFile.Content c = StateFile.read(Path.of(file.stateFile()));
        for (StateFile.AddedEntry a : c.added()) {
            try {
                ServerConfig s = ConfigLoader.server(a.params(), file.serverDefaults(), file.stateFile());
                if (file.service(a.service()).isPresent()) {
                    overlay.restoreAdded(a.service(), new ServerOverlay.Added(s, a.params()));
                }
            } catch (InvalidConfigException e) {
                LOG.warn("state file: server {} of service {} not added back: {}", a.params().get("address"), a.service(),
                        e.getMessage());
            }
        }
        for (StateFile.RemovedEntry r : c.removed()) {
            try {
                overlay.restoreRemoved(r.service(), ConfigLoader.server(r.fileEntry(), file.serverDefaults(), file.stateFile()));
            } catch (InvalidConfigException e) {
                LOG.warn("state file: a removal in service {} not read: {}", r.service(), e.getMessage());
            }
        }
        overlay.reconcile(file);
        LOG.info("state file {}: {} server state(s), {} added, {} removed", file.stateFile(), c.servers().size(),
                c.added().size(), c.removed().size());
        return c.servers();
    }

    /**
     * Puts back saved weights and admin states (HAProxy's load-server-state-from-file): a weight
     * only while the file still gives the server the configured weight it had when saved.
     */
    static void putBack(Node node, List<SavedServer> saved) {
        for (SavedServer s : saved) {
            node.service(s.service()).ifPresent(svc -> svc.upstream().server(s.server()).ifPresent(server -> {
                if (server.config().weight() == s.configuredWeight() && server.weight() != s.weight()) {
                    svc.upstream().weight(s.server(), s.weight(), "state file");
                }
                if (server.admin() != s.admin()) {
                    svc.upstream().admin(s.server(), s.admin(), "state file");
                }
            }));
        }
    }

    /** Writes the state file, when there is one; a failure is logged, the change stands. */
    static void write(String path, Node node, ServerOverlay overlay) {
        if (path.isEmpty() || node == null) {
            return;
        }
        List<SavedServer> servers = new ArrayList<>();
        for (Service s : node.services()) {
            for (ServerState v : s.upstream().servers()) {
                servers.add(new SavedServer(s.name(), v.name(), v.config().weight(), v.targetWeight(), v.admin()));
            }
        }
        List<StateFile.AddedEntry> added = new ArrayList<>();
        overlay.added().forEach((svc, m) -> m.values().forEach(a -> added.add(new StateFile.AddedEntry(svc, a.params()))));
        List<StateFile.RemovedEntry> removed = new ArrayList<>();
        overlay.removed().forEach((svc, m) -> m.values().forEach(sc -> removed.add(new StateFile.RemovedEntry(svc, ServerParams.of(sc)))));
        try {
            StateFile.write(Path.of(path), new StateFile.Content(servers, added, removed));
        } catch (IOException e) {
            LOG.error("cannot write the state file {}: {}", path, e.toString());
        }
    }
}

package org.l4lb.tcp;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.l4lb.core.config.ConfigLoader;
import org.l4lb.core.config.ConfigProblem;
import org.l4lb.core.config.InvalidConfigException;
import org.l4lb.core.config.LbConfig;
import org.l4lb.core.config.RestartNeeded;
import org.l4lb.core.config.ServerConfig;
import org.l4lb.core.config.ServiceConfig;
import org.l4lb.core.runtime.SavedServer;
import org.l4lb.core.runtime.ServerOverlay;
import org.l4lb.core.upstream.AdminState;
import org.l4lb.core.upstream.ServerState;
import org.l4lb.core.upstream.Upstream;
import org.l4lb.tcp.admin.Refused;
import org.l4lb.tcp.admin.ReloadOutcome;
import org.l4lb.tcp.admin.RuntimeChanges;
import org.l4lb.tcp.proxy.Service;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What an operator changes on a running node, from whichever door: a reload (SIGHUP, the admin
 * API, {@code ctl reload}), and runtime weights, ramps, admin states and servers added or removed.
 * One change at a time; each is logged with who asked and what changed, and kept in the state
 * file when there is one. A change that cannot be made entirely changes nothing.
 */
public final class Operations implements RuntimeChanges {

    private static final Logger LOG = LoggerFactory.getLogger(Operations.class);

    private final Path file;
    /** The file's configuration as last loaded; the node runs it with {@link #overlay} over it. */
    private LbConfig fileConfig;
    private ServerOverlay overlay = new ServerOverlay();
    private final NameFollower names;
    private Node node;
    /** Saved weights and admin states read at start, applied once the node runs. */
    private List<SavedServer> saved = List.of();

    public Operations(Path file, LbConfig fileConfig) {
        this.file = file;
        this.fileConfig = fileConfig;
        this.names = new NameFollower(NameFollower::system);
    }

    /** The configuration to run: the file's, the runtime layer over it, resolved names as their addresses. */
    private LbConfig effective(LbConfig file, ServerOverlay layer) {
        return names.expand(layer.apply(file));
    }

    /** Looks up the names that are due and moves the node to their addresses; runs every fraction of a second. */
    public void followNames() {
        try {
            LbConfig layered;
            synchronized (this) {
                if (node == null) {
                    return;
                }
                layered = overlay.apply(fileConfig);
            }
            if (names.lookUpDue(layered, false)) {
                applyNames();
            }
        } catch (RuntimeException e) {
            // Never let one failure stop the names being followed.
            LOG.error("resolve: {}", e.toString(), e);
        }
    }

    private synchronized void applyNames() {
        try {
            List<String> changes = node.apply(effective(fileConfig, overlay));
            changes.forEach(c -> LOG.info("resolve: {}", c));
            save();
        } catch (IllegalStateException e) {
            LOG.error("resolve: cannot apply the new addresses: {}", e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Reads the state file (when set) and returns the configuration to start with: the file's,
     * with the servers added and removed at runtime before the last stop, names resolved.
     *
     * @throws IOException when a state file is there but unreadable
     */
    public synchronized LbConfig startingConfig() throws IOException {
        saved = StateKeeping.read(fileConfig, overlay);
        names.lookUpDue(overlay.apply(fileConfig), true);
        return effective(fileConfig, overlay);
    }

    /** The node is running: puts back the saved weights and admin states. */
    public synchronized void started(Node node) {
        this.node = node;
        StateKeeping.putBack(node, saved);
        saved = List.of();
    }

    /** Re-reads the file and moves the node to it in place; never exits the process. */
    @Override
    public synchronized ReloadOutcome reload(String who) {
        ReloadOutcome o = reloadNow(who);
        if (node != null) {
            node.timeline().add("reload", who + ": " + (o.applied() ? "applied, " + o.lines().size() + " change(s)"
                    : "refused: " + (o.lines().isEmpty() ? "" : o.lines().get(0))));
        }
        return o;
    }

    private ReloadOutcome reloadNow(String who) {
        if (node == null) {
            return new ReloadOutcome(false, List.of("the node is still starting; nothing was applied"));
        }
        LOG.info("reload asked by {}: reading {}", who, file);
        LbConfig next;
        try {
            next = ConfigLoader.load(file);
        } catch (InvalidConfigException e) {
            List<String> lines = e.problems().stream().map(ConfigProblem::toString).toList();
            lines.forEach(l -> LOG.error("reload refused: {}", l));
            LOG.error("reload refused ({} problem(s)); still running the previous configuration", lines.size());
            return new ReloadOutcome(false, lines);
        }
        List<String> restart = RestartNeeded.between(fileConfig, next);
        if (!restart.isEmpty()) {
            String line = file + ": " + String.join(", ", restart) + ": changed, needs a restart (nothing was applied)";
            LOG.error("reload refused: {}", line);
            return new ReloadOutcome(false, List.of(line));
        }
        ServerOverlay nextOverlay = overlay.copy();
        nextOverlay.reconcile(next);
        names.lookUpNew(nextOverlay.apply(next));
        List<String> changes;
        try {
            changes = node.apply(effective(next, nextOverlay));
        } catch (IllegalStateException e) {
            String line = file + ": " + e.getMessage() + " (nothing was applied)";
            LOG.error("reload refused: {}", line);
            return new ReloadOutcome(false, List.of(line));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new ReloadOutcome(false, List.of("interrupted"));
        }
        fileConfig = next;
        overlay = nextOverlay;
        names.keepOnly(nextOverlay.apply(next));
        changes.forEach(c -> LOG.info("reload: {}", c));
        LOG.info("reload done: {} change(s)", changes.size());
        save();
        return new ReloadOutcome(true, changes.isEmpty() ? List.of("no change") : changes);
    }

    /**
     * Sets a server's weight (at once or over a ramp), its admin state, or both: all of it, or
     * nothing when any part is refused.
     *
     * @param weight null to leave it
     * @param state null to leave it
     */
    @Override
    public synchronized void change(String service, String server, Integer weight, long rampNanos, AdminState state,
            String who) throws Refused {
        Service s = service(service);
        server(s, server);
        if (weight != null) {
            try {
                Upstream.checkWeight(weight, rampNanos);
            } catch (IllegalArgumentException e) {
                throw new Refused(400, e.getMessage());
            }
            s.upstream().weight(server, weight, rampNanos, who);
            LOG.info("{}: service {} server {}: weight {}{}", who, service, server, weight,
                    rampNanos > 0 ? " over " + rampNanos / 1_000_000 + "ms" : "");
        }
        if (state != null) {
            s.upstream().admin(server, state, who);
            LOG.info("{}: service {} server {}: {}", who, service, server, state.name().toLowerCase(java.util.Locale.ROOT));
        }
        save();
    }

    /** Adds a server to a service, with the parameters of a server object in the file. */
    @Override
    public synchronized void add(String service, Map<String, String> params, String who) throws Refused {
        Service s = service(service);
        ServerConfig server;
        try {
            server = ConfigLoader.server(params, fileConfig.serverDefaults(), "admin API");
        } catch (InvalidConfigException e) {
            throw new Refused(400, String.join("\n", e.problems().stream().map(ConfigProblem::toString).toList()));
        }
        ServerOverlay next = overlay.copy();
        try {
            next.add(s.config(), new ServerOverlay.Added(server, params));
        } catch (IllegalStateException e) {
            throw new Refused(409, e.getMessage());
        } catch (IllegalArgumentException e) {
            throw new Refused(400, e.getMessage());
        }
        apply(next);
        LOG.info("{}: service {}: server {} added ({})", who, service, server.name(), params);
        node.timeline().add("admin", who + ": service " + service + ": server " + server.name() + " added");
    }

    /** Removes a server from a service: it takes no new session, its open ones run to their end. */
    @Override
    public synchronized void remove(String service, String server, String who) throws Refused {
        Service s = service(service);
        server(s, server);
        ServiceConfig inFile = fileConfig.service(service).orElseThrow();
        ServerOverlay next = overlay.copy();
        try {
            next.remove(s.config(), inFile, server);
        } catch (IllegalArgumentException e) {
            throw new Refused(400, e.getMessage());
        }
        apply(next);
        LOG.info("{}: service {}: server {} removed", who, service, server);
        node.timeline().add("admin", who + ": service " + service + ": server " + server + " removed");
    }

    private void apply(ServerOverlay next) throws Refused {
        names.lookUpNew(next.apply(fileConfig));
        try {
            node.apply(effective(fileConfig, next));
        } catch (IllegalStateException e) {
            throw new Refused(400, e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Refused(503, "interrupted");
        }
        overlay = next;
        save();
    }

    private Service service(String name) throws Refused {
        if (node == null) {
            throw new Refused(503, "the node is still starting");
        }
        if (name == null) {
            throw new Refused(400, "give service=NAME");
        }
        return node.service(name).orElseThrow(() -> new Refused(404, "no service '" + name + "'"));
    }

    private static ServerState server(Service s, String name) throws Refused {
        if (name == null) {
            throw new Refused(400, "give server=ADDRESS");
        }
        return s.upstream().server(name).orElseThrow(() -> new Refused(404,
                "service '" + s.name() + "' has no server " + name));
    }

    private void save() {
        StateKeeping.write(fileConfig.stateFile(), node, overlay);
    }

    /** The admin token in force (a reload may change it). */
    @Override
    public synchronized String token() {
        return fileConfig.admin().token();
    }
}

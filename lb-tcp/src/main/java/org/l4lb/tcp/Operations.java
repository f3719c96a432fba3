package org.l4lb.tcp;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.l4lb.core.config.ConfigLoader;
import org.l4lb.core.config.ConfigProblem;
import org.l4lb.core.config.InvalidConfigException;
import org.l4lb.core.config.LbConfig;
import org.l4lb.core.config.RestartNeeded;
import org.l4lb.core.config.ServerConfig;
import org.l4lb.core.config.ServiceConfig;
import java.net.InetAddress;
import org.l4lb.core.runtime.ResolvedNames;
import org.l4lb.core.runtime.SavedServer;
import org.l4lb.core.runtime.ServerOverlay;
import org.l4lb.core.runtime.ServerParams;
import org.l4lb.core.runtime.StateFile;
import org.l4lb.core.upstream.AdminState;
import org.l4lb.core.upstream.ServerState;
import org.l4lb.tcp.proxy.Service;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What an operator changes on a running node, from whichever door: a reload (SIGHUP, the admin
 * API, {@code ctl reload}), and runtime weights, ramps, admin states and servers added or removed.
 * One change at a time; each is logged with who asked and what changed, and kept in the state
 * file when there is one. A change that cannot be made entirely changes nothing.
 */
public final class Operations {

    private static final Logger LOG = LoggerFactory.getLogger(Operations.class);

    private final Path file;
    /** The file's configuration as last loaded; the node runs it with {@link #overlay} over it. */
    private LbConfig fileConfig;
    private ServerOverlay overlay = new ServerOverlay();
    private final ResolvedNames resolved = new ResolvedNames();
    /** When each followed name is due for its next look-up (System.nanoTime). */
    private final Map<ResolvedNames.Name, Long> due = new java.util.HashMap<>();
    private final java.util.function.Function<String, List<InetAddress>> lookup;
    private Node node;
    /** Saved weights and admin states read at start, applied once the node runs. */
    private List<SavedServer> saved = List.of();

    /** The outcome of a reload: applied (with what changed), or refused (with why, one line each). */
    public record Outcome(boolean applied, List<String> lines) {
    }

    /** A change the operator asked for that cannot be made, with the HTTP status that fits it. */
    public static final class Refused extends Exception {

        private static final long serialVersionUID = 1L;
        private final int status;

        public Refused(int status, String message) {
            super(message);
            this.status = status;
        }

        public int status() {
            return status;
        }
    }

    public Operations(Path file, LbConfig fileConfig) {
        this(file, fileConfig, Operations::lookUp);
    }

    Operations(Path file, LbConfig fileConfig, java.util.function.Function<String, List<InetAddress>> lookup) {
        this.file = file;
        this.fileConfig = fileConfig;
        this.lookup = lookup;
    }

    private static List<InetAddress> lookUp(String host) {
        try {
            return List.of(InetAddress.getAllByName(host));
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    /** The configuration to run: the file's, the runtime layer over it, resolved names as their addresses. */
    private LbConfig effective(LbConfig file, ServerOverlay layer) {
        return resolved.expand(layer.apply(file));
    }

    /**
     * Looks up the names due (all of them the first time), off the data path and under no lock
     * while waiting for DNS. A name that does not resolve keeps its last addresses.
     *
     * @return whether any name's addresses changed
     */
    private boolean lookUpDue(boolean all) {
        List<ResolvedNames.Name> names;
        synchronized (this) {
            names = ResolvedNames.names(overlay.apply(fileConfig));
            due.keySet().retainAll(names);
        }
        long now = System.nanoTime();
        Map<ResolvedNames.Name, List<InetAddress>> found = new java.util.LinkedHashMap<>();
        for (ResolvedNames.Name n : names) {
            Long when;
            synchronized (this) {
                when = due.get(n);
            }
            if (!all && when != null && now - when < 0) {
                continue;
            }
            synchronized (this) {
                due.put(n, now + n.intervalNanos());
            }
            try {
                found.put(n, lookup.apply(n.host()));
            } catch (RuntimeException e) {
                LOG.warn("service {}: server {}: {} does not resolve ({}); keeping its last addresses", n.service(), n.server(),
                        n.host(), e.getMessage());
            }
        }
        boolean changed = false;
        synchronized (this) {
            for (var e : found.entrySet()) {
                List<String> before = addressesOf(e.getKey());
                if (resolved.found(e.getKey(), e.getValue())) {
                    changed = true;
                    LOG.info("service {}: server {}: {} resolves to {} (was {})", e.getKey().service(), e.getKey().server(),
                            e.getKey().host(), addressesOf(e.getKey()), before);
                }
            }
        }
        return changed;
    }

    private List<String> addressesOf(ResolvedNames.Name n) {
        return resolved.addresses(n, org.l4lb.core.config.HostPort.parse(n.server(), false).port());
    }

    /** Looks up the names that are due and moves the node to their addresses; runs every fraction of a second. */
    public void followNames() {
        try {
            if (node != null && lookUpDue(false)) {
                applyNames();
            }
        } catch (RuntimeException e) {
            // Never let one failure stop the names being followed.
            LOG.error("resolve: {}", e.toString(), e);
        }
    }

    private void applyNames() {
        synchronized (this) {
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
    }

    /**
     * Reads the state file (when set) and returns the configuration to start with: the file's,
     * with the servers added and removed at runtime before the last stop.
     *
     * @throws IOException when a state file is there but unreadable
     */
    public synchronized LbConfig startingConfig() throws IOException {
        if (!fileConfig.stateFile().isEmpty()) {
            StateFile.Content c = StateFile.read(Path.of(fileConfig.stateFile()));
            for (StateFile.AddedEntry a : c.added()) {
                try {
                    ServerConfig s = ConfigLoader.server(a.params(), fileConfig.serverDefaults(), fileConfig.stateFile());
                    if (fileConfig.service(a.service()).isPresent()) {
                        overlay.restoreAdded(a.service(), new ServerOverlay.Added(s, a.params()));
                    }
                } catch (InvalidConfigException e) {
                    LOG.warn("state file: server {} of service {} not added back: {}", a.params().get("address"), a.service(),
                            e.getMessage());
                }
            }
            for (StateFile.RemovedEntry r : c.removed()) {
                try {
                    ServerConfig s = ConfigLoader.server(r.fileEntry(), fileConfig.serverDefaults(), fileConfig.stateFile());
                    overlay.restoreRemoved(r.service(), s);
                } catch (InvalidConfigException e) {
                    LOG.warn("state file: a removal in service {} not read: {}", r.service(), e.getMessage());
                }
            }
            overlay.reconcile(fileConfig);
            saved = c.servers();
            LOG.info("state file {}: {} server state(s), {} added, {} removed", fileConfig.stateFile(), c.servers().size(),
                    c.added().size(), c.removed().size());
        }
        lookUpDue(true);
        return effective(fileConfig, overlay);
    }

    /** The node is running: puts back the saved weights and admin states (HAProxy's load-server-state-from-file). */
    public synchronized void started(Node node) {
        this.node = node;
        for (SavedServer s : saved) {
            node.service(s.service()).flatMap(svc -> svc.upstream().server(s.server())).ifPresent(server -> {
                if (server.config().weight() == s.configuredWeight() && server.weight() != s.weight()) {
                    serviceOf(s.service()).upstream().weight(s.server(), s.weight(), "state file");
                }
                if (server.admin() != s.admin()) {
                    serviceOf(s.service()).upstream().admin(s.server(), s.admin(), "state file");
                }
            });
        }
        saved = List.of();
    }

    private Service serviceOf(String name) {
        return node.service(name).orElseThrow();
    }

    /** Re-reads the file and moves the node to it in place; never exits the process. */
    public synchronized Outcome reload(String who) {
        LOG.info("reload asked by {}: reading {}", who, file);
        LbConfig next;
        try {
            next = ConfigLoader.load(file);
        } catch (InvalidConfigException e) {
            List<String> lines = e.problems().stream().map(ConfigProblem::toString).toList();
            lines.forEach(l -> LOG.error("reload refused: {}", l));
            LOG.error("reload refused ({} problem(s)); still running the previous configuration", lines.size());
            return new Outcome(false, lines);
        }
        List<String> restart = RestartNeeded.between(fileConfig, next);
        if (!restart.isEmpty()) {
            String line = file + ": " + String.join(", ", restart) + ": changed, needs a restart (nothing was applied)";
            LOG.error("reload refused: {}", line);
            return new Outcome(false, List.of(line));
        }
        ServerOverlay nextOverlay = overlay.copy();
        nextOverlay.reconcile(next);
        resolveNew(nextOverlay.apply(next));
        List<String> changes;
        try {
            changes = node.apply(effective(next, nextOverlay));
        } catch (IllegalStateException e) {
            String line = file + ": " + e.getMessage() + " (nothing was applied)";
            LOG.error("reload refused: {}", line);
            return new Outcome(false, List.of(line));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Outcome(false, List.of("interrupted"));
        }
        fileConfig = next;
        overlay = nextOverlay;
        resolved.keepOnly(nextOverlay.apply(next));
        changes.forEach(c -> LOG.info("reload: {}", c));
        LOG.info("reload done: {} change(s)", changes.size());
        save();
        return new Outcome(true, changes.isEmpty() ? List.of("no change") : changes);
    }

    /** Sets a server's weight, at once or over a ramp. */
    public synchronized void weight(String service, String server, int weight, long rampNanos, String who) throws Refused {
        Service s = service(service);
        server(s, server);
        try {
            s.upstream().weight(server, weight, rampNanos, who);
        } catch (IllegalArgumentException e) {
            throw new Refused(400, e.getMessage());
        }
        LOG.info("{}: service {} server {}: weight {}{}", who, service, server, weight,
                rampNanos > 0 ? " over " + rampNanos / 1_000_000 + "ms" : "");
        save();
    }

    /** Sets a server's admin state. */
    public synchronized void admin(String service, String server, AdminState state, String who) throws Refused {
        Service s = service(service);
        server(s, server);
        s.upstream().admin(server, state, who);
        LOG.info("{}: service {} server {}: {}", who, service, server, state.name().toLowerCase(java.util.Locale.ROOT));
        save();
    }

    /** Adds a server to a service, with the parameters of a server object in the file. */
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
    }

    /** Removes a server from a service: it takes no new session, its open ones run to their end. */
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
    }

    /** Looks up, now, the names a reload brings that were not followed before. */
    private void resolveNew(LbConfig c) {
        for (ResolvedNames.Name n : ResolvedNames.names(c)) {
            if (resolved.unknown(n)) {
                try {
                    resolved.found(n, lookup.apply(n.host()));
                    due.put(n, System.nanoTime() + n.intervalNanos());
                } catch (RuntimeException e) {
                    LOG.warn("service {}: server {}: {} does not resolve ({}); it has no address until it does", n.service(),
                            n.server(), n.host(), e.getMessage());
                }
            }
        }
    }

    private void apply(ServerOverlay next) throws Refused {
        resolveNew(next.apply(fileConfig));
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

    /** Writes the state file, when there is one; a failure is logged, the change stands. */
    private void save() {
        String path = fileConfig.stateFile();
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

    /** The admin token in force (a reload may change it). */
    public synchronized String token() {
        return fileConfig.admin().token();
    }
}

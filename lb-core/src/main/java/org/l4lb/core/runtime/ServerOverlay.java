package org.l4lb.core.runtime;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.l4lb.core.config.LbConfig;
import org.l4lb.core.config.ServerConfig;
import org.l4lb.core.config.ServiceConfig;

/**
 * The servers added and removed at runtime (the admin API), as a layer over the file's: a reload
 * of an unchanged file keeps them, as HAProxy's server state does. Where the file has since
 * changed that very server, the file wins: a server added at runtime that the file now lists is
 * the file's, and a server removed at runtime whose entry in the file changed comes back.
 *
 * <p>Not thread-safe: its owner changes it under one lock.
 */
public final class ServerOverlay {

    /** Service -> server name -> what was added. */
    private final Map<String, Map<String, Added>> added = new LinkedHashMap<>();
    /** Service -> server name -> the file's entry when it was removed. */
    private final Map<String, Map<String, ServerConfig>> removed = new LinkedHashMap<>();

    /**
     * A server added at runtime.
     *
     * @param params what it was added with, as text, so that the state file can replay it
     */
    public record Added(ServerConfig server, Map<String, String> params) {

        public Added {
            params = Map.copyOf(params);
        }
    }

    /** A copy to change aside, so that a change that fails later leaves this one as it was. */
    public ServerOverlay copy() {
        ServerOverlay c = new ServerOverlay();
        added.forEach((k, v) -> c.added.put(k, new LinkedHashMap<>(v)));
        removed.forEach((k, v) -> c.removed.put(k, new LinkedHashMap<>(v)));
        return c;
    }

    /** The effective configuration: the file's services with this layer's changes. */
    public LbConfig apply(LbConfig file) {
        List<ServiceConfig> services = new ArrayList<>();
        for (ServiceConfig s : file.services()) {
            services.add(apply(s));
        }
        return file.withServices(services);
    }

    private ServiceConfig apply(ServiceConfig s) {
        Map<String, ServerConfig> gone = removed.getOrDefault(s.name(), Map.of());
        Map<String, Added> extra = added.getOrDefault(s.name(), Map.of());
        if (gone.isEmpty() && extra.isEmpty()) {
            return s;
        }
        List<ServerConfig> servers = new ArrayList<>();
        for (ServerConfig sc : s.servers()) {
            if (!gone.containsKey(sc.name())) {
                servers.add(sc);
            }
        }
        for (Added a : extra.values()) {
            servers.add(a.server());
        }
        return s.withServers(servers);
    }

    /** Drops what the next file overrides (see the class comment), and what belongs to services it no longer has. */
    public void reconcile(LbConfig file) {
        added.keySet().removeIf(service -> file.service(service).isEmpty());
        removed.keySet().removeIf(service -> file.service(service).isEmpty());
        for (ServiceConfig s : file.services()) {
            Map<String, ServerConfig> gone = removed.get(s.name());
            if (gone != null) {
                gone.entrySet().removeIf(e -> s.servers().stream().noneMatch(sc -> sc.equals(e.getValue())));
            }
            Map<String, Added> extra = added.get(s.name());
            if (extra != null) {
                for (ServerConfig sc : s.servers()) {
                    // Added in place of the file's entry, which is unchanged: still replaced.
                    boolean replacing = gone != null && gone.containsKey(sc.name());
                    if (!replacing) {
                        extra.remove(sc.name());
                    }
                }
            }
        }
        added.values().removeIf(Map::isEmpty);
        removed.values().removeIf(Map::isEmpty);
    }

    /**
     * Adds a server to a service of the effective configuration {@code effective}.
     *
     * @throws IllegalStateException when the service has that server already
     * @throws IllegalArgumentException when the result is not a valid service
     */
    public void add(ServiceConfig effective, Added a) {
        String name = a.server().name();
        if (effective.servers().stream().anyMatch(s -> s.name().equals(name))) {
            throw new IllegalStateException("service '" + effective.name() + "' already has server " + name);
        }
        List<ServerConfig> servers = new ArrayList<>(effective.servers());
        servers.add(a.server());
        check(effective, servers);
        Map<String, ServerConfig> gone = removed.get(effective.name());
        if (gone != null && a.server().equals(gone.get(name))) {
            // Back as the file has it: no longer removed, and nothing added.
            gone.remove(name);
            if (gone.isEmpty()) {
                removed.remove(effective.name());
            }
            return;
        }
        added.computeIfAbsent(effective.name(), k -> new LinkedHashMap<>()).put(name, a);
    }

    /** Removes a server from a service of the effective configuration. */
    public void remove(ServiceConfig effective, ServiceConfig file, String name) {
        if (effective.servers().stream().noneMatch(s -> s.name().equals(name))) {
            throw new IllegalArgumentException("service '" + effective.name() + "' has no server " + name);
        }
        List<ServerConfig> servers = new ArrayList<>(effective.servers());
        servers.removeIf(s -> s.name().equals(name));
        check(effective, servers);
        Map<String, Added> extra = added.get(effective.name());
        if (extra != null && extra.remove(name) != null) {
            if (extra.isEmpty()) {
                added.remove(effective.name());
            }
            return;
        }
        ServerConfig inFile = file.servers().stream().filter(s -> s.name().equals(name)).findFirst().orElseThrow(() ->
                new IllegalArgumentException("server " + name + " is an address a resolved name gave; drain or disable it"
                        + " instead, or remove the name"));
        removed.computeIfAbsent(effective.name(), k -> new LinkedHashMap<>()).put(name, inFile);
    }

    /** The rules a file's service is held to, for a change made at runtime. */
    private static void check(ServiceConfig s, List<ServerConfig> servers) {
        if (servers.isEmpty()) {
            throw new IllegalArgumentException("service '" + s.name() + "' needs at least one server");
        }
        if (servers.stream().allMatch(ServerConfig::backup)) {
            throw new IllegalArgumentException("service '" + s.name() + "': every server would be a backup; at least one must be a primary");
        }
        if (s.balance().strategy().hashBased() && servers.stream().anyMatch(ServerConfig::backup)) {
            throw new IllegalArgumentException("backup servers cannot be used with strategy '"
                    + s.balance().strategy().configName() + "'");
        }
    }

    /** Service -> name -> added server, for the state file. */
    public Map<String, Map<String, Added>> added() {
        return copy(added);
    }

    /** Service -> name -> the file's entry when removed, for the state file. */
    public Map<String, Map<String, ServerConfig>> removed() {
        return copy(removed);
    }

    /** Puts back a removal read from the state file. */
    public void restoreRemoved(String service, ServerConfig fileEntry) {
        removed.computeIfAbsent(service, k -> new LinkedHashMap<>()).put(fileEntry.name(), fileEntry);
    }

    /** Puts back an addition read from the state file. */
    public void restoreAdded(String service, Added a) {
        added.computeIfAbsent(service, k -> new LinkedHashMap<>()).put(a.server().name(), a);
    }

    private static <V> Map<String, Map<String, V>> copy(Map<String, Map<String, V>> m) {
        Map<String, Map<String, V>> c = new LinkedHashMap<>();
        m.forEach((k, v) -> c.put(k, Map.copyOf(v)));
        return c;
    }
}

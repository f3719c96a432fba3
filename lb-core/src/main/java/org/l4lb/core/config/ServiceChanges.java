package org.l4lb.core.config;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/** What differs between two configurations of one service, one line each, as a reload logs it. */
public final class ServiceChanges {

    private ServiceChanges() {
    }

    public static List<String> between(ServiceConfig a, ServiceConfig b) {
        List<String> out = new ArrayList<>();
        String p = "service " + b.name() + ": ";
        if (!a.listen().equals(b.listen())) {
            out.add(p + "listen " + a.listen() + " -> " + b.listen());
        }
        if (!a.balance().equals(b.balance())) {
            out.add(p + "balance " + describe(a.balance()) + " -> " + describe(b.balance()) + " (new sessions)");
        }
        Map<String, ServerConfig> before = byName(a);
        Map<String, ServerConfig> after = byName(b);
        for (var e : after.entrySet()) {
            ServerConfig old = before.get(e.getKey());
            if (old == null) {
                out.add(p + "server " + e.getKey() + " added (weight " + e.getValue().weight() + (e.getValue().backup() ? ", backup" : "") + ")");
            } else if (!old.equals(e.getValue())) {
                out.add(p + "server " + e.getKey() + " changed" + (old.weight() != e.getValue().weight()
                        ? " (weight " + old.weight() + " -> " + e.getValue().weight() + ")" : ""));
            }
        }
        for (String name : before.keySet()) {
            if (!after.containsKey(name)) {
                out.add(p + "server " + name + " removed (its open sessions run to their end)");
            }
        }
        List<String> other = new ArrayList<>();
        diff(other, "connect-timeout", a.connectTimeout(), b.connectTimeout());
        diff(other, "idle-timeout", a.idleTimeout(), b.idleTimeout());
        diff(other, "next-upstream-tries", a.nextUpstreamTries(), b.nextUpstreamTries());
        diff(other, "next-upstream-timeout", a.nextUpstreamTimeout(), b.nextUpstreamTimeout());
        diff(other, "proxy-protocol", a.proxyProtocol(), b.proxyProtocol());
        diff(other, "accept-proxy", a.acceptProxy(), b.acceptProxy());
        diff(other, "accept-proxy-timeout", a.acceptProxyTimeout(), b.acceptProxyTimeout());
        diff(other, "accept-proxy-from", a.proxySources(), b.proxySources());
        diff(other, "allow/deny", a.access(), b.access());
        diff(other, "max-connections", a.maxConnections(), b.maxConnections());
        diff(other, "max-connections-per-client", a.maxConnectionsPerClient(), b.maxConnectionsPerClient());
        diff(other, "access-log", a.accessLog(), b.accessLog());
        diff(other, "health-check", a.healthCheck(), b.healthCheck());
        if (!other.isEmpty()) {
            out.add(p + String.join(", ", other) + " changed (new sessions)");
        }
        return out;
    }

    private static String describe(BalanceConfig c) {
        return c.strategy().configName() + (c.consistent() ? " consistent" : "")
                + (c.persistenceTimeout().isZero() ? "" : " persistence " + c.persistenceTimeout().toMillis() + "ms");
    }

    private static void diff(List<String> out, String name, Object a, Object b) {
        if (!Objects.equals(a, b)) {
            out.add(name);
        }
    }

    private static Map<String, ServerConfig> byName(ServiceConfig s) {
        Map<String, ServerConfig> m = new LinkedHashMap<>();
        s.servers().forEach(sc -> m.put(sc.name(), sc));
        return m;
    }
}

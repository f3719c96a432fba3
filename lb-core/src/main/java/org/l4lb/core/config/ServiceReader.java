package org.l4lb.core.config;

import org.l4lb.core.net.InetLiteral;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigValueType;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.l4lb.core.acl.AccessList;
import org.l4lb.core.acl.Cidr;

/** Reads one entry of {@code services} over the service and server defaults. */
final class ServiceReader {

    private static final Duration ONE_MS = Duration.ofMillis(1);

    private final Config defaults;
    private final Config merged;
    private final Problems problems;
    /** Listen address -> the service that took it first, across all services. */
    private final Map<HostPort, String> listeners = new HashMap<>();

    ServiceReader(Config defaults, Config merged, Problems problems) {
        this.defaults = defaults;
        this.merged = merged;
        this.problems = problems;
    }

    ServiceConfig read(String name, ConfigObject written, String path) {
        Config svc = written.toConfig().withFallback(merged.getConfig("service-defaults"));
        ConfigReader r = new ConfigReader(svc, path, written.origin(), problems);
        r.unknownKeys(written, defaults.getObject("service-defaults").keySet());

        List<HostPort> listen = r.list("listen", "a list of addresses", item -> {
            try {
                HostPort hp = HostPort.parse(stringItem(item), true);
                String other = listeners.putIfAbsent(hp, name);
                if (other != null) {
                    problems.add(item.value().origin(), item.path(),
                            hp + " is already the listen address of service '" + other + "'");
                }
                return hp;
            } catch (IllegalArgumentException e) {
                problems.add(item.value().origin(), item.path(), e.getMessage());
                return null;
            }
        });
        if (listen.isEmpty() && r.value("listen").valueType() == ConfigValueType.LIST) {
            r.problem("listen", "a service needs at least one listen address");
        }

        Strategy strategy = r.named("strategy", Strategy.class);
        BalanceConfig balance = new BalanceConfig(strategy, r.named("hash-key", HashKey.class), r.bool("consistent"),
                r.duration("persistence-timeout", Duration.ZERO), r.intIn("persistence-max-entries", 1, 10_000_000));

        Duration connectTimeout = r.duration("connect-timeout", ONE_MS);
        Duration idleTimeout = r.duration("idle-timeout", ONE_MS);
        int nextTries = r.intIn("next-upstream-tries", 0, 1000);
        Duration nextTimeout = r.duration("next-upstream-timeout", Duration.ZERO);
        ProxyProtocol proxyProtocol = r.named("proxy-protocol", ProxyProtocol.class);
        boolean acceptProxy = r.bool("accept-proxy");
        Duration acceptProxyTimeout = r.duration("accept-proxy-timeout", ONE_MS);
        AccessList proxySources = new AccessList(cidrs(r, "accept-proxy-from"), List.of());
        AccessList access = new AccessList(cidrs(r, "allow"), cidrs(r, "deny"));
        int maxConnections = r.intIn("max-connections", 0, Integer.MAX_VALUE);
        int maxPerClient = r.intIn("max-connections-per-client", 0, Integer.MAX_VALUE);
        boolean accessLog = r.bool("access-log");
        HealthCheckConfig health = healthCheck(r, written);
        List<ServerConfig> servers = servers(r, strategy);
        Duration resolveInterval = r.duration("resolve-interval", ONE_MS);
        ForwardingConfig forwarding = new ForwardingConfig(r.named("forwarding", Forwarding.class), r.named("nat", NatMode.class));

        ServiceConfig service = new ServiceConfig(name, listen, balance, connectTimeout, idleTimeout, nextTries, nextTimeout,
                proxyProtocol, acceptProxy, acceptProxyTimeout, proxySources, access, maxConnections, maxPerClient, accessLog, health, servers,
                resolveInterval, forwarding);
        if (forwarding.kernel()) {
            KernelLimits.check(service, r);
        }
        return service;
    }

    private String stringItem(ConfigReader.Item item) {
        if (item.value().valueType() == ConfigValueType.OBJECT || item.value().valueType() == ConfigValueType.LIST) {
            throw new IllegalArgumentException("expected a string, got " + ConfigReader.render(item.value()));
        }
        return String.valueOf(item.value().unwrapped());
    }

    private List<Cidr> cidrs(ConfigReader r, String key) {
        return r.list(key, "a list of networks such as \"10.0.0.0/8\"", item -> {
            try {
                return Cidr.parse(stringItem(item));
            } catch (IllegalArgumentException e) {
                problems.add(item.value().origin(), item.path(), e.getMessage());
                return null;
            }
        });
    }

    private HealthCheckConfig healthCheck(ConfigReader service, ConfigObject written) {
        if (service.value("health-check").valueType() != ConfigValueType.OBJECT) {
            service.problem("health-check", "expected an object, got " + ConfigReader.render(service.value("health-check")));
            return null;
        }
        ConfigReader h = new ConfigReader(service.config().getConfig("health-check"), service.path("health-check"),
                written.containsKey("health-check") ? written.get("health-check").origin() : service.origin(), problems);
        if (written.get("health-check") instanceof ConfigObject writtenCheck) {
            h.unknownKeys(writtenCheck, defaults.getObject("service-defaults.health-check").keySet());
        }
        HealthCheckType type = h.named("type", HealthCheckType.class);
        HealthCheckConfig c = new HealthCheckConfig(type, h.duration("interval", ONE_MS), h.duration("timeout", ONE_MS),
                h.intIn("rise", 1, 100), h.intIn("fall", 1, 100), h.string("send"), h.string("expect"));
        if (type == HealthCheckType.SEND_EXPECT && c.expect().isEmpty()) {
            h.problem("expect", "a send-expect check needs the bytes the reply must start with");
        }
        return c;
    }

    private List<ServerConfig> servers(ConfigReader service, Strategy strategy) {
        Map<String, Integer> seen = new HashMap<>();
        Set<String> known = new HashSet<>(defaults.getObject("server-defaults").keySet());
        known.add("address");
        List<ServerConfig> servers = service.list("servers", "a list of servers", item -> {
            ServerConfig s = server(item, known);
            if (s != null) {
                Integer first = seen.putIfAbsent(s.name(), item.value().origin().lineNumber());
                if (first != null) {
                    problems.add(item.value().origin(), item.path(),
                            "duplicate server address " + s.name() + " (first at line " + first + ")");
                }
            }
            return s;
        });
        if (service.value("servers").valueType() != ConfigValueType.LIST) {
            return servers;
        }
        if (((List<?>) service.value("servers")).isEmpty()) {
            service.problem("servers", "a service needs at least one server");
        } else if (!servers.isEmpty() && servers.stream().allMatch(ServerConfig::backup)) {
            service.problem("servers", "every server is a backup; at least one must be a primary");
        }
        if (strategy.hashBased() && servers.stream().anyMatch(ServerConfig::backup)) {
            service.problem("servers", "backup servers cannot be used with strategy '" + strategy.configName()
                    + "' (nginx refuses this too: clients would be remapped when backups take over)");
        }
        return servers;
    }

    /** A server object given outside a file (the admin API), validated as one in a file is. */
    ServerConfig server(ConfigObject obj, String path) {
        Set<String> known = new HashSet<>(defaults.getObject("server-defaults").keySet());
        known.add("address");
        return server(new ConfigReader.Item(0, obj, path), known);
    }

    private ServerConfig server(ConfigReader.Item item, Set<String> known) {
        Config serverDefaults = merged.getConfig("server-defaults");
        Config srv;
        ConfigReader r;
        if (item.value().valueType() == ConfigValueType.OBJECT) {
            ConfigObject obj = (ConfigObject) item.value();
            srv = obj.toConfig().withFallback(serverDefaults);
            r = new ConfigReader(srv, item.path(), obj.origin(), problems);
            r.unknownKeys(obj, known);
            if (!obj.containsKey("address")) {
                problems.add(obj.origin(), item.path(), "a server object needs an 'address'");
                return null;
            }
        } else if (item.value().valueType() == ConfigValueType.STRING) {
            srv = serverDefaults.withValue("address", item.value());
            r = new ConfigReader(srv, item.path(), item.value().origin(), problems);
        } else {
            problems.add(item.value().origin(), item.path(),
                    "expected \"host:port\" or an object with an address, got " + ConfigReader.render(item.value()));
            return null;
        }
        boolean stringForm = item.value().valueType() == ConfigValueType.STRING;
        ServerAddress address;
        try {
            address = ServerAddress.parse(r.string("address"));
        } catch (IllegalArgumentException e) {
            problems.add(r.originOf("address"), stringForm ? item.path() : r.path("address"), e.getMessage());
            return null;
        }
        boolean resolve = r.bool("resolve");
        if (resolve && !(address instanceof ServerAddress.Tcp tcp && !InetLiteral.isIpv4(tcp.endpoint().host())
                && !InetLiteral.isIpv6(tcp.endpoint().host()))) {
            problems.add(r.originOf("resolve"), r.path("resolve"), "resolve = true needs a host name, not " + address.text());
        }
        return new ServerConfig(address,
                r.intIn("weight", 0, 1000),
                r.bool("down"),
                r.bool("backup"),
                r.intIn("max-fails", 0, 1_000_000),
                r.duration("fail-timeout", ONE_MS),
                r.intIn("max-conns", 0, Integer.MAX_VALUE),
                r.duration("slow-start", Duration.ZERO),
                resolve);
    }
}

package org.l4lb.core.config;

import org.l4lb.core.net.InetLiteral;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/** Reads the {@code ha} section: its instances, each from its own keys over the block's, and its sync groups. */
final class HaReader {

    private static final Duration ONE_MS = Duration.ofMillis(1);
    /** Letters, digits and '_': the name goes into the flow handoff's nftables table name. */
    private static final java.util.regex.Pattern INSTANCE_NAME = java.util.regex.Pattern.compile("[A-Za-z][A-Za-z0-9_]{0,31}");
    /** Keys of the whole node, set in the {@code ha} block only. */
    private static final Set<String> NODE_KEYS = Set.of("enabled", "warm-up-connections", "instances", "sync-groups",
            "conntrack-sync");

    private final ConfigReader r;
    private final Config defaults;
    private final Config merged;

    HaReader(ConfigReader r, Config defaults, Config merged) {
        this.r = r;
        this.defaults = defaults;
        this.merged = merged;
    }

    /**
     * The node's instances: one per entry of {@code instances}, each reading a key from its own
     * object first and from the {@code ha} block second; or, with no {@code instances}, one from
     * the block itself.
     */
    List<HaConfig> readAll(List<ServiceConfig> services) {
        ConfigObject instances = objectAt("instances");
        Map<String, String> syncGroupOf = syncGroups(instances == null ? Set.of() : instances.keySet());
        if (instances == null || instances.isEmpty()) {
            return List.of(read(HaConfig.SHORTHAND, services, "", true));
        }
        Config base = r.config().withoutPath("instances").withoutPath("sync-groups");
        Set<String> known = new HashSet<>(defaults.getObject("ha").keySet());
        known.removeAll(NODE_KEYS);
        List<HaConfig> out = new ArrayList<>();
        boolean first = true;
        for (String name : instances.keySet()) {
            String path = r.path("instances") + "." + com.typesafe.config.ConfigUtil.joinPath(name);
            ConfigValue v = instances.get(name);
            if (!INSTANCE_NAME.matcher(name).matches()) {
                r.problems().add(v.origin(), path, "instance names are letters, digits and '_' (at most 32), starting with a letter");
            }
            if (!(v instanceof ConfigObject obj)) {
                r.problems().add(v.origin(), path, "expected an object, got " + ConfigReader.render(v));
                continue;
            }
            ConfigReader ir = new ConfigReader(obj.toConfig().withFallback(base), path, obj.origin(), r.problems());
            for (String key : obj.keySet()) {
                if (NODE_KEYS.contains(key)) {
                    r.problems().add(obj.get(key).origin(), ir.path(key), "'" + key + "' is set for the whole node, in ha itself, not per instance");
                }
            }
            ConfigObject own = obj;
            for (String key : NODE_KEYS) {
                own = own.withoutKey(key);
            }
            ir.unknownKeys(own, known);
            boolean checkSecret = first || own.containsKey("secret") || own.containsKey("insecure");
            out.add(new HaReader(ir, defaults, merged).read(name, services, syncGroupOf.getOrDefault(name, ""), checkSecret));
            first = false;
        }
        apart(out);
        return out;
    }

    /** What two instances of one node cannot share: a group, a cluster port, a VIP. */
    private void apart(List<HaConfig> all) {
        for (int i = 0; i < all.size(); i++) {
            for (int j = i + 1; j < all.size(); j++) {
                HaConfig a = all.get(i);
                HaConfig b = all.get(j);
                String pair = "instances '" + a.name() + "' and '" + b.name() + "'";
                if (a.group().equals(b.group())) {
                    r.problem("instances", pair + " are both in group '" + a.group() + "'; give each its own group");
                }
                if (a.bind() != null && b.bind() != null && a.bind().port() == b.bind().port()
                        && (a.bind().host().equals(b.bind().host()) || wildcard(a.bind().host()) || wildcard(b.bind().host()))) {
                    r.problem("instances", pair + " both bind " + a.bind() + " and " + b.bind()
                            + "; give each its own cluster port (bind, and the peers' ports to match)");
                }
                for (String vip : a.virtualIps()) {
                    String addr = vip.contains("/") ? vip.substring(0, vip.indexOf('/')) : vip;
                    boolean shared = b.virtualIps().stream()
                            .anyMatch(o -> (o.contains("/") ? o.substring(0, o.indexOf('/')) : o).equals(addr));
                    if (shared) {
                        r.problem("instances", pair + " both hold VIP " + addr + "; a VIP belongs to one instance"
                                + " (virtual-ips set in ha itself goes to every instance)");
                    }
                }
            }
        }
    }

    private static boolean wildcard(String host) {
        return host.equals("0.0.0.0") || host.equals("::") || host.equals("[::]") || host.isEmpty();
    }

    /** {@code sync-groups { name = [a, b] }}: each instance's group, checked against {@code instances}. */
    private Map<String, String> syncGroups(Set<String> instances) {
        ConfigObject groups = objectAt("sync-groups");
        Map<String, String> of = new java.util.HashMap<>();
        if (groups == null) {
            return of;
        }
        for (String g : groups.keySet()) {
            String path = r.path("sync-groups") + "." + com.typesafe.config.ConfigUtil.joinPath(g);
            ConfigValue v = groups.get(g);
            if (!(v instanceof com.typesafe.config.ConfigList members)) {
                r.problems().add(v.origin(), path, "expected a list of instance names, got " + ConfigReader.render(v));
                continue;
            }
            if (members.size() < 2) {
                r.problems().add(v.origin(), path, "a sync group needs at least two instances");
            }
            for (ConfigValue m : members) {
                String name = String.valueOf(m.unwrapped());
                if (!instances.contains(name)) {
                    r.problems().add(m.origin(), path, instances.isEmpty()
                            ? "sync groups join instances of ha.instances, and there is none"
                            : "names instance '" + name + "', which is not in ha.instances"
                                    + Suggestion.closest(name, instances).map(s -> "; did you mean '" + s + "'?").orElse(""));
                } else if (of.containsKey(name)) {
                    r.problems().add(m.origin(), path, "instance '" + name + "' is already in sync group '" + of.get(name)
                            + "'; an instance moves with one group");
                } else {
                    of.put(name, g);
                }
            }
        }
        return of;
    }

    private ConfigObject objectAt(String key) {
        ConfigValue v = r.value(key);
        if (!(v instanceof ConfigObject o)) {
            r.problem(key, "expected an object, got " + ConfigReader.render(v));
            return null;
        }
        return o;
    }

    private HaConfig read(String name, List<ServiceConfig> services, String syncGroup, boolean checkSecret) {
        boolean enabled = r.bool("enabled");
        String group = r.string("group");
        int priority = r.intIn("priority", 1, 254);
        Duration advert = r.duration("advert-interval", Duration.ofMillis(10));
        boolean preempt = r.bool("preempt");
        Duration preemptDelay = r.duration("preempt-delay", Duration.ZERO);
        String iface = r.string("interface");
        List<String> vips = r.list("virtual-ips", "a list of addresses such as \"10.0.0.100/24\"", item -> {
            String s = item.value().valueType() == ConfigValueType.STRING ? (String) item.value().unwrapped() : "";
            if (!isVirtualIp(s)) {
                r.problems().add(item.value().origin(), item.path(),
                        "'" + s + "' is not an IP address with an optional prefix length (10.0.0.100/24)");
                return null;
            }
            return s;
        });
        List<HostPort> peers = r.list("peers", "a list of \"host:port\"", item -> {
            try {
                return HostPort.parse(String.valueOf(item.value().unwrapped()), false);
            } catch (IllegalArgumentException e) {
                r.problems().add(item.value().origin(), item.path(), e.getMessage());
                return null;
            }
        });
        HostPort bind = r.parsed("bind", s -> HostPort.parse(s, true), null);
        String secret = r.string("secret");
        boolean insecure = r.bool("insecure");
        String notifyScript = r.string("notify");
        VipManagerKind vipManager = r.named("vip-manager", VipManagerKind.class);
        int garpRepeat = r.intIn("garp-repeat", 0, 100);
        Duration garpInterval = r.duration("garp-interval", Duration.ZERO);
        boolean flowHandoff = r.bool("flow-handoff");
        Duration flowHandoffTimeout = r.duration("flow-handoff-timeout", Duration.ZERO);
        List<String> trackServices = r.strings("track-services");
        int trackServiceWeight = r.intIn("track-service-weight", -254, 254);
        List<TrackScriptConfig> scripts = r.list("track-scripts", "a list of objects", this::trackScript);
        int trackInterfaceWeight = r.intIn("track-interface-weight", -254, 254);
        List<TrackInterfaceConfig> interfaces = r.list("track-interfaces", "a list of interface names or objects",
                item -> trackInterface(item, trackInterfaceWeight));
        Set<String> seen = new HashSet<>();
        for (TrackInterfaceConfig t : interfaces) {
            if (!seen.add(t.name())) {
                r.problem("track-interfaces", "tracks interface '" + t.name() + "' twice");
            }
        }
        int nice = r.intIn("nice", -20, 19);
        int warmUp = r.intIn("warm-up-connections", 0, 1_000_000);

        Set<String> serviceNames = services.stream().map(ServiceConfig::name).collect(Collectors.toSet());
        for (String t : trackServices) {
            if (!serviceNames.contains(t)) {
                r.problem("track-services", "tracks service '" + t + "', which is not defined"
                        + Suggestion.closest(t, serviceNames).map(s -> "; did you mean '" + s + "'?").orElse(""));
            }
        }
        if (enabled && checkSecret) {
            if (secret.isEmpty() && !insecure) {
                // Located where HA was switched on: that is the line that needs the secret.
                r.problems().add(r.originOf("enabled"), r.path("secret"), "HA is enabled without a secret: anyone who reaches the cluster port could take"
                        + " the virtual IPs. Set ha.secret (e.g. secret = ${?L4LB_SECRET}), or insecure = true for tests");
            }
        }
        if (!secret.isEmpty() && secret.length() < 8) {
            r.problem("secret", "a secret needs at least 8 characters");
        }
        return new HaConfig(name, enabled, group, priority, advert, preempt, preemptDelay, iface, vips, peers, bind, secret,
                insecure, notifyScript, vipManager, garpRepeat, garpInterval, flowHandoff,
                flowHandoffTimeout, trackServices, trackServiceWeight, scripts, interfaces, nice, warmUp, syncGroup,
                conntrackSync(enabled, peers, bind, services));
    }

    /** {@code conntrack-sync}: its own block, checked against the instance's cluster settings and the services. */
    private ConntrackSyncConfig conntrackSync(boolean haEnabled, List<HostPort> peers, HostPort bind, List<ServiceConfig> services) {
        ConfigObject obj = objectAt("conntrack-sync");
        if (obj == null) {
            return ConntrackSyncConfig.OFF;
        }
        ConfigReader c = new ConfigReader(r.config().getConfig("conntrack-sync"), r.path("conntrack-sync"), obj.origin(),
                r.problems());
        c.unknownKeys(obj, defaults.getObject("ha.conntrack-sync").keySet());
        boolean enabled = c.bool("enabled");
        String address = c.string("address");
        String peer = c.string("peer");
        String iface = c.string("interface");
        int port = c.intIn("port", 1, 65535);
        if (!enabled) {
            return new ConntrackSyncConfig(false, address, peer, iface, port);
        }
        if (!haEnabled) {
            c.problem("enabled", "copies the flows to the node that takes over; it needs ha.enabled = true");
        }
        if (services.stream().noneMatch(s -> s.forwarding().kernel())) {
            c.problem("enabled", "copies the kernel's flows, and no service has forwarding = kernel");
        }
        if (address.isEmpty()) {
            if (bind == null || wildcard(bind.host())) {
                c.problem("address", "empty takes the host of ha.bind, which is " + (bind == null ? "unset" : bind.host())
                        + "; set this node's address for the sync traffic");
            } else {
                address = bind.host();
            }
        }
        if (peer.isEmpty()) {
            if (peers.size() != 1) {
                c.problem("peer", "empty takes the host of the one entry of ha.peers, and there are " + peers.size()
                        + "; set the peer's address for the sync traffic (conntrackd's UDP sync is between two nodes)");
            } else {
                peer = peers.get(0).host();
            }
        }
        for (String[] a : new String[][] {{"address", address}, {"peer", peer}}) {
            if (!a[1].isEmpty() && !org.l4lb.core.net.InetLiteral.isIpv4(a[1])) {
                c.problem(a[0], "'" + a[1] + "' is not an IPv4 address");
            }
        }
        return new ConntrackSyncConfig(true, address, peer, iface, port);
    }

    private TrackScriptConfig trackScript(ConfigReader.Item item) {
        if (!(item.value() instanceof ConfigObject obj)) {
            r.problems().add(item.value().origin(), item.path(), "expected an object, got " + ConfigReader.render(item.value()));
            return null;
        }
        Config c = obj.toConfig().withFallback(merged.getConfig("track-script-defaults"));
        ConfigReader t = new ConfigReader(c, item.path(), obj.origin(), r.problems());
        t.unknownKeys(obj, new HashSet<>(defaults.getObject("track-script-defaults").keySet()));
        TrackScriptConfig s = new TrackScriptConfig(t.string("name"), t.string("command"), t.duration("interval", ONE_MS),
                t.duration("timeout", ONE_MS), t.intIn("fall", 1, 100), t.intIn("rise", 1, 100), t.intIn("weight", -254, 254));
        if (s.command().isBlank()) {
            t.problem("command", "a track script needs a command");
        }
        return s;
    }

    /** "eth1", or { name = "eth1", weight = -30 } with the weight falling back to {@code weight}. */
    private TrackInterfaceConfig trackInterface(ConfigReader.Item item, int weight) {
        String name;
        int w = weight;
        if (item.value() instanceof ConfigObject obj) {
            Config c = obj.toConfig().withFallback(ConfigFactory.parseMap(Map.of("name", "", "weight", weight)));
            ConfigReader t = new ConfigReader(c, item.path(), obj.origin(), r.problems());
            t.unknownKeys(obj, Set.of("name", "weight"));
            name = t.string("name");
            w = t.intIn("weight", -254, 254);
        } else if (item.value().valueType() == ConfigValueType.STRING) {
            name = String.valueOf(item.value().unwrapped());
        } else {
            r.problems().add(item.value().origin(), item.path(), "expected an interface name or { name, weight }, got "
                    + ConfigReader.render(item.value()));
            return null;
        }
        // Linux's limit (IFNAMSIZ less its NUL); '/' and blanks cannot be in a name.
        if (name.isEmpty() || name.length() > 15 || !name.chars().allMatch(ch -> ch > ' ' && ch != '/' && ch != ':')) {
            r.problems().add(item.value().origin(), item.path(), "'" + name + "' is not an interface name (1 to 15"
                    + " characters, no blank, '/' or ':')");
            return null;
        }
        return new TrackInterfaceConfig(name, w);
    }

    private static boolean isVirtualIp(String s) {
        int slash = s.indexOf('/');
        String addr = slash < 0 ? s : s.substring(0, slash);
        int max;
        if (InetLiteral.isIpv4(addr)) {
            max = 32;
        } else if (InetLiteral.isIpv6(addr)) {
            max = 128;
        } else {
            return false;
        }
        if (slash < 0) {
            return true;
        }
        String p = s.substring(slash + 1);
        return !p.isEmpty() && p.length() <= 3 && p.chars().allMatch(Character::isDigit) && Integer.parseInt(p) <= max;
    }
}

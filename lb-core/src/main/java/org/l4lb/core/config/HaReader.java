package org.l4lb.core.config;

import org.l4lb.core.net.InetLiteral;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigValueType;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/** Reads the {@code ha} section. */
final class HaReader {

    private static final Duration ONE_MS = Duration.ofMillis(1);

    private final ConfigReader r;
    private final Config defaults;
    private final Config merged;

    HaReader(ConfigReader r, Config defaults, Config merged) {
        this.r = r;
        this.defaults = defaults;
        this.merged = merged;
    }

    HaConfig read(List<ServiceConfig> services) {
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
        if (enabled) {
            if (secret.isEmpty() && !insecure) {
                // Located where HA was switched on: that is the line that needs the secret.
                r.problems().add(r.originOf("enabled"), r.path("secret"), "HA is enabled without a secret: anyone who reaches the cluster port could take"
                        + " the virtual IPs. Set ha.secret (e.g. secret = ${?L4LB_SECRET}), or insecure = true for tests");
            }
        }
        if (!secret.isEmpty() && secret.length() < 8) {
            r.problem("secret", "a secret needs at least 8 characters");
        }
        return new HaConfig(enabled, group, priority, advert, preempt, preemptDelay, iface, vips, peers, bind, secret,
                insecure, notifyScript, vipManager, garpRepeat, garpInterval, flowHandoff,
                flowHandoffTimeout, trackServices, trackServiceWeight, scripts, interfaces, nice, warmUp);
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

package org.l4lb.core.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;

/**
 * The settings a reload cannot change in a live process: the event loops and their transport,
 * the admin listener, and what the node's cluster membership is built from. A reload that
 * changes any of them changes nothing at all.
 */
public final class RestartNeeded {

    private RestartNeeded() {
    }

    /** The paths of the settings that differ between the running and the next configuration and need a restart. */
    public static List<String> between(LbConfig running, LbConfig next) {
        List<String> changed = new ArrayList<>();
        check(changed, "node-name", running, next, LbConfig::nodeName);
        check(changed, "event-loops", running, next, LbConfig::eventLoops);
        check(changed, "transport", running, next, LbConfig::transport);
        check(changed, "splice", running, next, LbConfig::splice);
        check(changed, "admin.listen", running, next, c -> c.admin().listen());
        for (ServiceConfig s : next.services()) {
            running.service(s.name()).filter(r -> r.forwarding().mode() != s.forwarding().mode())
                    .ifPresent(r -> changed.add("services." + s.name() + ".forwarding"));
        }
        HaConfig first = running.ha();
        if (first.enabled() != next.ha().enabled()) {
            changed.add("ha.enabled");
        } else if (first.enabled()) {
            List<String> names = running.haInstances().stream().map(HaConfig::name).toList();
            if (!names.equals(next.haInstances().stream().map(HaConfig::name).toList())) {
                changed.add("ha.instances");
                return changed;
            }
            for (int i = 0; i < names.size(); i++) {
                HaConfig a = running.haInstances().get(i);
                HaConfig b = next.haInstances().get(i);
                String at = a.name().equals(HaConfig.SHORTHAND) ? "ha." : "ha.instances." + a.name() + ".";
                check(changed, at + "group", a, b, HaConfig::group);
                check(changed, at + "bind", a, b, HaConfig::bind);
                check(changed, at + "peers", a, b, HaConfig::peers);
                check(changed, at + "secret", a, b, HaConfig::secret);
                check(changed, at + "insecure", a, b, HaConfig::insecure);
                check(changed, at + "vip-manager", a, b, HaConfig::vipManager);
                check(changed, at + "interface", a, b, HaConfig::networkInterface);
                check(changed, at + "flow-handoff", a, b, HaConfig::flowHandoff);
                check(changed, at + "flow-handoff-timeout", a, b, HaConfig::flowHandoffTimeout);
                check(changed, at + "garp-repeat", a, b, HaConfig::garpRepeat);
                check(changed, at + "garp-interval", a, b, HaConfig::garpInterval);
                check(changed, at + "nice", a, b, HaConfig::nice);
                check(changed, "ha.sync-groups", a, b, HaConfig::syncGroup);
                check(changed, "ha.conntrack-sync", a, b, HaConfig::conntrackSync);
            }
        }
        return changed;
    }

    private static <T> void check(List<String> changed, String path, T a, T b, Function<T, Object> setting) {
        if (!Objects.equals(setting.apply(a), setting.apply(b))) {
            changed.add(path);
        }
    }
}

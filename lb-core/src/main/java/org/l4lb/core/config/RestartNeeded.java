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
        HaConfig a = running.ha();
        HaConfig b = next.ha();
        if (a.enabled() != b.enabled()) {
            changed.add("ha.enabled");
        } else if (a.enabled()) {
            check(changed, "ha.group", a, b, HaConfig::group);
            check(changed, "ha.bind", a, b, HaConfig::bind);
            check(changed, "ha.peers", a, b, HaConfig::peers);
            check(changed, "ha.secret", a, b, HaConfig::secret);
            check(changed, "ha.insecure", a, b, HaConfig::insecure);
            check(changed, "ha.vip-manager", a, b, HaConfig::vipManager);
            check(changed, "ha.interface", a, b, HaConfig::networkInterface);
            check(changed, "ha.flow-handoff", a, b, HaConfig::flowHandoff);
            check(changed, "ha.flow-handoff-timeout", a, b, HaConfig::flowHandoffTimeout);
            check(changed, "ha.garp-repeat", a, b, HaConfig::garpRepeat);
            check(changed, "ha.garp-interval", a, b, HaConfig::garpInterval);
            check(changed, "ha.nice", a, b, HaConfig::nice);
        }
        return changed;
    }

    private static <T> void check(List<String> changed, String path, T a, T b, Function<T, Object> setting) {
        if (!Objects.equals(setting.apply(a), setting.apply(b))) {
            changed.add(path);
        }
    }
}

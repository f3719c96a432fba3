package org.l4lb.tcp.ha;

import java.util.List;
import java.util.Optional;
import java.util.function.BiConsumer;
import java.util.function.Function;
import java.util.function.Supplier;
import org.l4lb.core.balance.Persistence;
import org.l4lb.core.upstream.Upstream;
import org.l4lb.ha.sync.StickyTables;
import org.l4lb.tcp.proxy.Service;

/**
 * The running services' persistence tables, by service name, for the other members to keep a
 * copy of. Looked up each time: a reload replaces a service's table, and the new one carries the
 * bindings and the recording on.
 */
final class ServiceBindings implements StickyTables {

    private final Supplier<List<Service>> services;
    private final Function<String, Optional<Service>> byName;

    /** Recording from now on: a binding made before the first batch goes out is in it. */
    ServiceBindings(Supplier<List<Service>> services, Function<String, Optional<Service>> byName) {
        this.services = services;
        this.byName = byName;
        for (Service s : services.get()) {
            s.upstream().persistence().ifPresent(p -> p.recording(true));
        }
    }

    @Override
    public void drainTouched(BiConsumer<String, Persistence.Binding> to) {
        for (Service s : services.get()) {
            Upstream u = s.upstream();
            u.persistence().ifPresent(p -> {
                // A service a reload added, or one that had no persistence before: records from now on.
                p.recording(true);
                p.drainTouched(u.ticker().nanos(), b -> to.accept(s.name(), b));
            });
        }
    }

    @Override
    public void snapshot(BiConsumer<String, Persistence.Binding> to) {
        for (Service s : services.get()) {
            Upstream u = s.upstream();
            u.persistence().ifPresent(p -> p.snapshot(u.ticker().nanos(), b -> to.accept(s.name(), b)));
        }
    }

    @Override
    public void learn(String service, Persistence.Binding binding) {
        byName.apply(service).ifPresent(s -> {
            Upstream u = s.upstream();
            u.persistence().ifPresent(p -> p.learn(binding, u.ticker().nanos()));
        });
    }
}

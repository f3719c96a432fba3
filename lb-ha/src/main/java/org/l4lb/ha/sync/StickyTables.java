package org.l4lb.ha.sync;

import java.util.function.BiConsumer;
import org.l4lb.core.balance.Persistence;

/** The persistence tables of a node's services, by service name, as the sync reads and feeds them. */
public interface StickyTables {

    /** Each service's bindings made or seen again since the last call. */
    void drainTouched(BiConsumer<String, Persistence.Binding> to);

    /** Every binding still within its timeout, of every service. */
    void snapshot(BiConsumer<String, Persistence.Binding> to);

    /** A binding another node made or saw; ignored for a service without persistence here. */
    void learn(String service, Persistence.Binding binding);
}

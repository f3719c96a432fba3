package org.l4lb.ha.sync;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.Supplier;
import org.jgroups.Address;
import org.jgroups.View;
import org.l4lb.ha.cluster.ClusterLink;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the other members' persistence tables in step with this node's (HAProxy's {@code peers},
 * LVS's sync daemon): every interval, the bindings made or seen again since the last are sent in
 * batches; a member is sent every binding once its first advert says it takes them; what the
 * others send is learned. While a member of an older version is in the view (an upgrade), none
 * is sent to the group: it keeps what waits, bounded, for when it has gone. All of it runs on a
 * thread of its own: the event loops only mark what they bound, and the HA thread never waits
 * for a table.
 */
public final class StickySync implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(StickySync.class);
    /** Between two batches of a whole table, so that a join does not hold adverts back. */
    private static final long SNAPSHOT_PACE_MILLIS = 5;

    private final StickyTables tables;
    private final BiConsumer<Address, byte[]> send;
    private final Supplier<Address> self;
    private final ScheduledThreadPoolExecutor thread;
    private final long intervalMillis;
    /** The others in the current view. */
    private Set<Address> others = Set.of();
    /** Whether each member said, in its adverts, that it takes bindings. */
    private final Map<Address, Boolean> takes = new HashMap<>();

    /**
     * @param send hands a batch to one member, or to every other for null, reliably and in order
     * @param self this node's address in the group
     */
    public StickySync(StickyTables tables, BiConsumer<Address, byte[]> send, Supplier<Address> self, Duration interval) {
        this.tables = tables;
        this.send = send;
        this.self = self;
        this.intervalMillis = Math.max(1, interval.toMillis());
        this.thread = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "l4lb-sticky");
            t.setDaemon(true);
            return t;
        });
    }

    /** Sends what was bound from now on, every interval. */
    public void start() {
        thread.scheduleWithFixedDelay(this::sendTouched, intervalMillis, intervalMillis, TimeUnit.MILLISECONDS);
    }

    /** A new view: who the others are now. On any thread. */
    public void view(View v) {
        run(() -> {
            Set<Address> now = new HashSet<>(v.getMembers());
            now.remove(self.get());
            others = now;
            takes.keySet().retainAll(now);
        });
    }

    /**
     * What a member's advert says: a member heard to take bindings for the first time (it joined,
     * or it was upgraded) is sent the whole table. On any thread.
     */
    public void advert(Address from, boolean takesBindings) {
        run(() -> {
            Boolean before = takes.put(from, takesBindings);
            if (takesBindings && !Boolean.TRUE.equals(before)) {
                sendSnapshot(from);
            }
        });
    }

    /** A batch from another member. On any thread: decoded and learned on this one. */
    public void received(Address from, byte[] data) {
        run(() -> {
            try {
                for (BindingBatch.Item i : BindingBatch.decode(data)) {
                    tables.learn(i.service(), i.binding());
                }
            } catch (IOException | RuntimeException e) {
                LOG.warn("HA: dropped persistence bindings from {}: {}", from, e.getMessage());
            }
        });
    }

    private void run(Runnable r) {
        try {
            thread.execute(r);
        } catch (RejectedExecutionException closing) {
            // closing
        }
    }

    private void sendTouched() {
        try {
            if (!others.isEmpty() && !others.stream().allMatch(a -> Boolean.TRUE.equals(takes.get(a)))) {
                // Someone who cannot read them (yet): what waits stays for later.
                return;
            }
            List<BindingBatch.Item> batch = new ArrayList<>();
            tables.drainTouched((service, b) -> {
                batch.add(new BindingBatch.Item(service, b));
                if (batch.size() == BindingBatch.MAX_ENTRIES) {
                    flush(batch);
                }
            });
            flush(batch);
        } catch (RuntimeException e) {
            LOG.warn("HA: persistence bindings not sent: {}", e.toString());
        }
    }

    private void sendSnapshot(Address to) {
        List<BindingBatch.Item> all = new ArrayList<>();
        tables.snapshot((service, b) -> all.add(new BindingBatch.Item(service, b)));
        int batches = 0;
        for (int from = 0; from < all.size(); from += BindingBatch.MAX_ENTRIES) {
            if (batches++ > 0) {
                try {
                    Thread.sleep(SNAPSHOT_PACE_MILLIS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
            send.accept(to, BindingBatch.encode(all.subList(from, Math.min(all.size(), from + BindingBatch.MAX_ENTRIES))));
        }
        if (!all.isEmpty()) {
            LOG.info("HA: sent {} persistence binding(s) to {}, which joined", all.size(), to);
        }
    }

    private void flush(List<BindingBatch.Item> batch) {
        if (!batch.isEmpty()) {
            send.accept(null, BindingBatch.encode(batch));
            batch.clear();
        }
    }

    @Override
    public void close() {
        thread.shutdownNow();
    }
}

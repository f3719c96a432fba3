package org.l4lb.ha.sync;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.jgroups.Address;
import org.jgroups.View;
import org.l4lb.ha.cluster.ClusterLink;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the other members' persistence tables in step with this node's (HAProxy's {@code peers},
 * LVS's sync daemon): every interval, the bindings made or seen again since the last are sent in
 * batches; a member that joins is sent every binding; what the others send is learned. All of it
 * runs on a thread of its own: the event loops only mark what they bound, and the HA thread never
 * waits for a table.
 */
public final class StickySync implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(StickySync.class);
    /** Between two batches of a whole table, so that a join does not hold adverts back. */
    private static final long SNAPSHOT_PACE_MILLIS = 5;

    private final StickyTables tables;
    private final Consumer<byte[]> send;
    private final ScheduledThreadPoolExecutor thread;
    private final long intervalMillis;
    private Set<Address> members = Set.of();

    /** @param send hands a batch to every other member, reliably and in order */
    public StickySync(StickyTables tables, Consumer<byte[]> send, Duration interval) {
        this.tables = tables;
        this.send = send;
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

    /** A new view: a member this node has not seen before gets the whole table. On any thread. */
    public void view(View v) {
        run(() -> {
            Set<Address> now = new HashSet<>(v.getMembers());
            boolean someoneNew = now.size() > 1 && !members.containsAll(now);
            members = now;
            if (someoneNew) {
                sendSnapshot();
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

    private void sendSnapshot() {
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
            send.accept(BindingBatch.encode(all.subList(from, Math.min(all.size(), from + BindingBatch.MAX_ENTRIES))));
        }
        if (!all.isEmpty()) {
            LOG.info("HA: sent {} persistence binding(s) to the group for a member that joined", all.size());
        }
    }

    private void flush(List<BindingBatch.Item> batch) {
        if (!batch.isEmpty()) {
            send.accept(BindingBatch.encode(batch));
            batch.clear();
        }
    }

    @Override
    public void close() {
        thread.shutdownNow();
    }
}

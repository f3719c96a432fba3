package org.l4lb.core.balance;

import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * Source-address persistence over any strategy (LVS {@code persistence_timeout}, HAProxy
 * {@code stick on src}): a client that comes back within the timeout of its last session start
 * gets the same server, while that server is usable. A draining server still takes the clients
 * bound to it, as HAProxy's drain does. The table is bounded; the least recently seen client is
 * forgotten first.
 */
public final class Persistence {

    private final long timeoutNanos;
    private final Map<ClientKey, Entry> table;
    private final Map<Candidate, Integer> indexOf = new IdentityHashMap<>();
    private final Candidate[] servers;
    private final LongAdder hits = new LongAdder();
    private final LongAdder misses = new LongAdder();

    private static final class Entry {
        Candidate server;
        long seen;
    }

    /** @param servers every server of the upstream, indexed as in the attempts' tried sets */
    public Persistence(Candidate[] servers, long timeoutNanos, int maxEntries) {
        this.servers = servers.clone();
        this.timeoutNanos = timeoutNanos;
        for (int i = 0; i < servers.length; i++) {
            indexOf.put(servers[i], i);
        }
        this.table = new LinkedHashMap<>(16, 0.75f, true) {
            private static final long serialVersionUID = 1L;

            @Override
            protected boolean removeEldestEntry(Map.Entry<ClientKey, Entry> eldest) {
                return size() > maxEntries;
            }
        };
    }

    /** The index of the server this client is bound to, if it can take the session; else -1. */
    public int lookup(Attempt a, long now) {
        Candidate s;
        synchronized (table) {
            Entry e = table.get(a.clientKey);
            if (e == null || now - e.seen > timeoutNanos) {
                misses.increment();
                return -1;
            }
            s = e.server;
        }
        Integer index = indexOf.get(s);
        if (index == null || a.tried(index) || !s.takesBoundClient(now)) {
            misses.increment();
            return -1;
        }
        hits.increment();
        return index;
    }

    /**
     * Takes over the entries of the table a reload replaces, as they were last seen, except those
     * bound to a server this table does not have: those clients are balanced afresh.
     */
    public void carry(Persistence previous) {
        Map<ClientKey, Entry> kept = new LinkedHashMap<>();
        synchronized (previous.table) {
            for (Map.Entry<ClientKey, Entry> e : previous.table.entrySet()) {
                if (indexOf.containsKey(e.getValue().server)) {
                    Entry copy = new Entry();
                    copy.server = e.getValue().server;
                    copy.seen = e.getValue().seen;
                    kept.put(e.getKey(), copy);
                }
            }
        }
        synchronized (table) {
            table.putAll(kept);
        }
    }

    /** Binds the client to the server it got (again), restarting its timeout. */
    public void remember(Attempt a, int index, long now) {
        synchronized (table) {
            Entry e = table.get(a.clientKey);
            if (e == null) {
                e = new Entry();
                table.put(a.clientKey.copy(), e);
            }
            e.server = servers[index];
            e.seen = now;
        }
    }

    public long hits() {
        return hits.sum();
    }

    public long misses() {
        return misses.sum();
    }

    public int size() {
        synchronized (table) {
            return table.size();
        }
    }
}

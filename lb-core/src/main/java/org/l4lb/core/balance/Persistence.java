package org.l4lb.core.balance;

import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;

/**
 * Source-address persistence over any strategy (LVS {@code persistence_timeout}, HAProxy
 * {@code stick on src}): a client that comes back within the timeout of its last session start
 * gets the same server, while that server is usable. A draining server still takes the clients
 * bound to it, as HAProxy's drain does. The table is bounded; the least recently seen client is
 * forgotten first.
 */
public final class Persistence {

    private final long timeoutNanos;
    private final int maxEntries;
    private final Map<ClientKey, Entry> table;
    private final Map<Candidate, Integer> indexOf = new IdentityHashMap<>();
    private final Candidate[] servers;
    private final LongAdder hits = new LongAdder();
    private final LongAdder misses = new LongAdder();
    private final Map<String, Integer> indexByName = new HashMap<>();
    /**
     * Entries bound or seen again since the last {@link #drainTouched}, while another node keeps a
     * copy of the table; bounded as the table is (an entry is in it once).
     */
    private final Set<Entry> touched = new LinkedHashSet<>();
    private volatile boolean recording;

    private static final class Entry {
        final ClientKey key;
        Candidate server;
        long seen;

        Entry(ClientKey key) {
            this.key = key;
        }
    }

    /**
     * A binding as another node learns it: the client's address, its server's name, and how long
     * ago it was last seen (the nodes' clocks need not agree).
     */
    public record Binding(byte[] client, String server, long ageNanos) {
    }

    /** @param servers every server of the upstream, indexed as in the attempts' tried sets */
    public Persistence(Candidate[] servers, long timeoutNanos, int maxEntries) {
        this.servers = servers.clone();
        this.timeoutNanos = timeoutNanos;
        this.maxEntries = maxEntries;
        for (int i = 0; i < servers.length; i++) {
            indexOf.put(servers[i], i);
            indexByName.put(servers[i].name(), i);
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
        java.util.List<Entry> stillToSend = new java.util.ArrayList<>();
        boolean wasRecording;
        synchronized (previous.table) {
            wasRecording = previous.recording;
            for (Map.Entry<ClientKey, Entry> e : previous.table.entrySet()) {
                if (indexOf.containsKey(e.getValue().server)) {
                    Entry copy = new Entry(e.getKey());
                    copy.server = e.getValue().server;
                    copy.seen = e.getValue().seen;
                    kept.put(e.getKey(), copy);
                    if (previous.touched.contains(e.getValue())) {
                        stillToSend.add(copy);
                    }
                }
            }
        }
        synchronized (table) {
            table.putAll(kept);
            // Another node keeps a copy: this table goes on recording, and what the previous one
            // had not sent yet is sent from here.
            if (wasRecording) {
                recording = true;
                touched.addAll(stillToSend);
            }
        }
    }

    /** Binds the client to the server it got (again), restarting its timeout. */
    public void remember(Attempt a, int index, long now) {
        synchronized (table) {
            Entry e = table.get(a.clientKey);
            if (e == null) {
                ClientKey key = a.clientKey.copy();
                e = new Entry(key);
                table.put(key, e);
            }
            e.server = servers[index];
            e.seen = now;
            // Bounded as the table is: past the bound within one interval, a binding goes out when
            // its client comes again (or in the table a joining member is sent).
            if (recording && touched.size() < maxEntries) {
                touched.add(e);
            }
        }
    }

    /**
     * From now on, records the entries that are bound or seen again, for {@link #drainTouched}
     * (another node keeps a copy of this table); or stops and forgets them.
     */
    public void recording(boolean on) {
        synchronized (table) {
            recording = on;
            if (!on) {
                touched.clear();
            }
        }
    }

    /** Hands over the entries bound or seen again since the last call, and forgets them. */
    public void drainTouched(long now, Consumer<Binding> to) {
        Entry[] drained;
        synchronized (table) {
            drained = touched.toArray(new Entry[0]);
            touched.clear();
            for (int i = 0; i < drained.length; i++) {
                Entry e = drained[i];
                // Copied under the lock: the event loops go on binding meanwhile.
                Entry copy = new Entry(e.key);
                copy.server = e.server;
                copy.seen = e.seen;
                drained[i] = copy;
            }
        }
        for (Entry e : drained) {
            if (now - e.seen <= timeoutNanos) {
                to.accept(new Binding(e.key.bytes(), e.server.name(), now - e.seen));
            }
        }
    }

    /** Hands over every entry still within its timeout: the table for a node that joins. */
    public void snapshot(long now, Consumer<Binding> to) {
        java.util.List<Binding> all = new java.util.ArrayList<>();
        synchronized (table) {
            for (Entry e : table.values()) {
                if (now - e.seen <= timeoutNanos) {
                    all.add(new Binding(e.key.bytes(), e.server.name(), now - e.seen));
                }
            }
        }
        all.forEach(to);
    }

    /**
     * Takes a binding another node made or saw, unless this table saw that client more recently
     * or has no server of that name (another configuration): the client is then balanced afresh.
     */
    public void learn(Binding b, long now) {
        Integer index = indexByName.get(b.server());
        if (index == null || b.ageNanos() > timeoutNanos || b.client().length == 0 || b.client().length > 16) {
            return;
        }
        ClientKey key = new ClientKey();
        key.set(b.client(), b.client().length);
        long seen = now - Math.max(0, b.ageNanos());
        synchronized (table) {
            Entry e = table.get(key);
            if (e == null) {
                e = new Entry(key);
                table.put(key, e);
            } else if (e.seen - seen > 0) {
                return;
            }
            e.server = servers[index];
            e.seen = seen;
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

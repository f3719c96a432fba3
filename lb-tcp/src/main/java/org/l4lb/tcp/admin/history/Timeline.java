package org.l4lb.tcp.admin.history;

import java.util.ArrayList;
import java.util.List;

/**
 * What happened to the node, newest last, in a ring of fixed size: HA transitions, server state
 * changes, reloads and admin changes, each with its time and reason. The oldest go first.
 */
public final class Timeline {

    /** How many events it keeps. */
    public static final int CAPACITY = 200;

    /**
     * @param kind ha, server, reload or admin
     * @param text what happened and why, as the log says it
     */
    public record Event(long atMillis, String kind, String text) {
    }

    private final Event[] ring = new Event[CAPACITY];
    private int next;
    private int size;

    public synchronized void add(String kind, String text) {
        ring[next] = new Event(System.currentTimeMillis(), kind, text);
        next = (next + 1) % CAPACITY;
        size = Math.min(CAPACITY, size + 1);
    }

    /** Every event kept, oldest first. */
    public synchronized List<Event> events() {
        List<Event> out = new ArrayList<>(size);
        for (int i = 0; i < size; i++) {
            out.add(ring[(next - size + i + CAPACITY) % CAPACITY]);
        }
        return out;
    }
}

package org.l4lb.tcp.admin.history;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The last 15 minutes of the graphs' series, one sample every {@link #INTERVAL_MS}, in a ring of
 * fixed size: each new sample takes the place of the oldest.
 */
public final class History {

    public static final long INTERVAL_MS = 2000;
    public static final int CAPACITY = (int) (15 * 60 * 1000 / INTERVAL_MS);

    /** One service over one interval: new sessions and bytes each way, per second. */
    public record Rates(double newSessions, double bytesIn, double bytesOut) {
    }

    /**
     * @param services each service's rates over the interval that ended at {@code atMillis}
     * @param activeSessions each server's open sessions then, by "service/server"
     */
    public record Sample(long atMillis, Map<String, Rates> services, Map<String, Integer> activeSessions) {
    }

    private final Sample[] ring = new Sample[CAPACITY];
    private int next;
    private int size;

    public synchronized void add(Sample s) {
        ring[next] = s;
        next = (next + 1) % CAPACITY;
        size = Math.min(CAPACITY, size + 1);
    }

    /** The samples taken after {@code afterMillis}, oldest first. */
    public synchronized List<Sample> since(long afterMillis) {
        List<Sample> out = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            Sample s = ring[(next - size + i + CAPACITY) % CAPACITY];
            if (s.atMillis() > afterMillis) {
                out.add(s);
            }
        }
        return out;
    }

    /** The newest sample, or null before the first. */
    public synchronized Sample latest() {
        return size == 0 ? null : ring[(next - 1 + CAPACITY) % CAPACITY];
    }
}

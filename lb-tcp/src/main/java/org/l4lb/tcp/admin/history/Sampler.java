package org.l4lb.tcp.admin.history;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.l4lb.core.upstream.ServerState;
import org.l4lb.tcp.proxy.Service;

/**
 * Takes a {@link History} sample every interval: each service's counters since the last sample,
 * as rates, and each server's open sessions. Runs on one thread; the counters it reads are the
 * ones /metrics reads.
 */
public final class Sampler {

    private final Supplier<List<Service>> services;
    private final History history;
    /** Each service's totals at the last sample: sessions, bytes in, bytes out. */
    private final Map<String, long[]> last = new HashMap<>();
    private long lastAt;

    public Sampler(Supplier<List<Service>> services, History history) {
        this.services = services;
        this.history = history;
    }

    public void sample() {
        long now = System.currentTimeMillis();
        double seconds = lastAt == 0 ? 0 : (now - lastAt) / 1000.0;
        Map<String, History.Rates> rates = new LinkedHashMap<>();
        Map<String, Integer> active = new LinkedHashMap<>();
        Map<String, long[]> seen = new HashMap<>();
        for (Service s : services.get()) {
            long in = 0;
            long out = 0;
            for (ServerState v : s.upstream().servers()) {
                in += v.bytesToServer();
                out += v.bytesToClient();
                active.put(s.name() + "/" + v.name(), v.sessions());
            }
            long[] now3 = {s.totalSessions(), in, out};
            long[] before = last.get(s.name());
            seen.put(s.name(), now3);
            // A server removed takes its bytes with it: a total that went down counts as nothing new.
            rates.put(s.name(), before == null || seconds <= 0 ? new History.Rates(0, 0, 0)
                    : new History.Rates(rate(now3[0], before[0], seconds), rate(now3[1], before[1], seconds),
                            rate(now3[2], before[2], seconds)));
        }
        last.clear();
        last.putAll(seen);
        lastAt = now;
        history.add(new History.Sample(now, rates, active));
    }

    private static double rate(long now, long before, double seconds) {
        return Math.max(0, now - before) / seconds;
    }
}

package org.l4lb.core.time;

import java.time.Duration;

/** A ticker tests move by hand. */
public final class FakeTicker implements Ticker {

    private long now = 1_000_000_000L;

    @Override
    public long nanos() {
        return now;
    }

    public void advance(Duration d) {
        now += d.toNanos();
    }
}

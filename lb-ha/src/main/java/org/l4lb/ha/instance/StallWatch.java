package org.l4lb.ha.instance;

import org.l4lb.ha.election.MasterDown;

/**
 * Notices that the election thread did not run for a while: it ticks ten times an advert interval,
 * so a gap of three intervals means the process was stopped or starved (SIGSTOP, a paused VM, a
 * long GC). The others have taken over meanwhile and every advert the node holds is stale, so it
 * rejoins as a starting node would: deciding nothing until the others' current adverts are in.
 * Used on the election thread only.
 */
final class StallWatch {

    /** Back from a stall, how long (in advert intervals) the node decides nothing. */
    private static final double REJOIN_WAIT_ADVERTS = 1.5;

    private long advertNanos;
    private boolean ticked;
    private long lastTickAt;
    private boolean rejoining;
    private long rejoinSince;

    StallWatch(long advertNanos) {
        this.advertNanos = advertNanos;
    }

    /** This node's advert interval changed (a reload). */
    void advertNanos(long next) {
        this.advertNanos = next;
    }

    void ticked(long now) {
        ticked = true;
        lastTickAt = now;
    }

    /**
     * @return how long the thread did not run, in ms, when that was a stall (the rejoin wait
     *     starts now); -1 when it ran in time
     */
    long stalledMillis(long now) {
        if (!ticked || now - lastTickAt <= MasterDown.nanos(advertNanos)) {
            return -1;
        }
        long stalledMs = (now - lastTickAt) / 1_000_000;
        lastTickAt = now;
        rejoining = true;
        rejoinSince = now;
        return stalledMs;
    }

    /**
     * Whether decisions wait. The adverts that queued during the stall are processed on resume as
     * if just heard, so wait for ones sent since (every advert interval, checked at a tenth of
     * it). Alone in its view, nobody can have taken over, and the wait ends at once.
     */
    boolean holdsDecisions(long now, int viewSize) {
        if (!rejoining) {
            return false;
        }
        if (viewSize > 1 && now - rejoinSince < (long) (REJOIN_WAIT_ADVERTS * advertNanos)) {
            return true;
        }
        rejoining = false;
        return false;
    }
}

package org.l4lb.ha.election;

import java.time.Duration;

/**
 * keepalived's master_down_interval: a member unheard for three advert intervals is taken for
 * gone. The one rule behind every wait of that length: a silent peer, a stalled node of its own, a
 * starting node's wait for the others, a healed partition and a handover.
 */
public final class MasterDown {

    public static final int ADVERTS = 3;

    private MasterDown() {
    }

    public static long nanos(long advertNanos) {
        return ADVERTS * advertNanos;
    }

    public static Duration of(Duration advertInterval) {
        return advertInterval.multipliedBy(ADVERTS);
    }
}

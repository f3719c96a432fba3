package org.l4lb.ha.instance;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** A node that did not run for three advert intervals decides nothing until current adverts are in. */
class StallWatchTest {

    private static final long ADVERT = 1_000_000_000L;

    @Test
    void nothingBeforeTheFirstTick() {
        StallWatch watch = new StallWatch(ADVERT);
        assertThat(watch.stalledMillis(50 * ADVERT)).isEqualTo(-1);
        assertThat(watch.holdsDecisions(50 * ADVERT, 2)).isFalse();
    }

    @Test
    void aGapOfThreeIntervalsIsNoStall() {
        StallWatch watch = new StallWatch(ADVERT);
        watch.ticked(10 * ADVERT);
        assertThat(watch.stalledMillis(13 * ADVERT)).isEqualTo(-1);
        assertThat(watch.holdsDecisions(13 * ADVERT, 2)).isFalse();
    }

    @Test
    void backFromAStallDecisionsWaitOneAndAHalfIntervalsInAGroup() {
        StallWatch watch = new StallWatch(ADVERT);
        watch.ticked(10 * ADVERT);
        assertThat(watch.stalledMillis(15 * ADVERT)).isEqualTo(5000);
        assertThat(watch.stalledMillis(15 * ADVERT)).as("reported once").isEqualTo(-1);
        assertThat(watch.holdsDecisions(16 * ADVERT, 2)).isTrue();
        assertThat(watch.holdsDecisions(16 * ADVERT + ADVERT / 2, 2)).isFalse();
        assertThat(watch.holdsDecisions(16 * ADVERT, 2)).as("the wait ended").isFalse();
    }

    @Test
    void aloneInItsViewTheWaitEndsAtOnce() {
        StallWatch watch = new StallWatch(ADVERT);
        watch.ticked(0);
        assertThat(watch.stalledMillis(4 * ADVERT)).isEqualTo(4000);
        assertThat(watch.holdsDecisions(4 * ADVERT, 1)).isFalse();
        assertThat(watch.holdsDecisions(4 * ADVERT, 2)).isFalse();
    }
}

package org.l4lb.ha.track;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class SyncGroupTest {

    private final AtomicBoolean aDown = new AtomicBoolean();
    private final AtomicBoolean bDown = new AtomicBoolean();
    private final AtomicBoolean bLink = new AtomicBoolean();

    @Test
    void membersShareTheDeepestFallAndEveryFault() {
        Tracking a = new Tracking();
        a.trackService("web", -30, () -> !aDown.get());
        Tracking b = new Tracking();
        b.trackService("api", -60, () -> !bDown.get());
        b.trackService("link", 0, () -> !bLink.get());
        Tracking alone = new Tracking();
        alone.trackService("web", -30, () -> !aDown.get());
        SyncGroup edge = new SyncGroup("edge");
        edge.join("a", a);
        edge.join("b", b);

        assertThat(a.effective(150)).isEqualTo(150);
        assertThat(b.effective(100)).isEqualTo(100);

        aDown.set(true);
        assertThat(a.effective(150)).isEqualTo(120);
        assertThat(b.effective(100)).as("b falls with a").isEqualTo(70);
        assertThat(alone.effective(150)).isEqualTo(120);

        bDown.set(true);
        assertThat(a.effective(150)).as("the deepest fall, not the sum").isEqualTo(90);
        assertThat(b.effective(100)).isEqualTo(40);

        assertThat(a.fault()).isNull();
        bLink.set(true);
        assertThat(b.fault()).isEqualTo("service link");
        assertThat(a.fault()).isEqualTo("sync group edge: instance b: service link");
        assertThat(alone.fault()).isNull();

        bLink.set(false);
        aDown.set(false);
        bDown.set(false);
        assertThat(a.fault()).isNull();
        assertThat(a.effective(150)).isEqualTo(150);
    }
}

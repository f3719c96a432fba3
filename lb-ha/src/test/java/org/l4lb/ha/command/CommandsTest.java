package org.l4lb.ha.command;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class CommandsTest {

    @Test
    void aCommandThatPrintsMoreThanAPipeHoldsEndsAtOnce() {
        long t0 = System.nanoTime();
        Commands.Result r = Commands.SYSTEM.run(List.of("sh", "-c", "head -c 300000 /dev/zero | tr '\\0' x; echo; echo done"),
                Duration.ofSeconds(5));
        assertThat(r.ok()).as(r.output().length() > 100 ? "exit " + r.exitCode() : r.output()).isTrue();
        assertThat(r.output()).hasSize(300_005).endsWith("\ndone");
        assertThat(System.nanoTime() - t0).as("no wait on a full pipe").isLessThan(Duration.ofSeconds(3).toNanos());
    }

    @Test
    void aCommandPastItsTimeLimitIsEndedAndSaysSo() {
        Commands.Result r = Commands.SYSTEM.run(List.of("sleep", "5"), Duration.ofMillis(200));
        assertThat(r.exitCode()).isEqualTo(-1);
        assertThat(r.output()).isEqualTo("timed out after 200 ms");
    }
}

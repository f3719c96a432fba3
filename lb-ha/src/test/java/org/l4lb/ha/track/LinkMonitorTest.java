package org.l4lb.ha.track;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The monitor process stands in for {@code ip monitor}: each line it prints is a change. */
class LinkMonitorTest {

    @Test
    void eachReportedChangeIsJudgedAndOnceAtTheStart() throws Exception {
        Semaphore judged = new Semaphore(0);
        try (LinkMonitor m = new LinkMonitor(List.of("sh", "-c", "echo one; echo two; echo three; sleep 30"), judged::release)) {
            assertThat(judged.tryAcquire(4, 10, TimeUnit.SECONDS)).as("once at the start and once per line").isTrue();
            assertThat(judged.tryAcquire(1, 300, TimeUnit.MILLISECONDS)).as("and no more").isFalse();
        }
    }

    @Test
    void aMonitorThatEndsIsStartedAgainAndJudgedAfresh() throws Exception {
        Semaphore judged = new Semaphore(0);
        try (LinkMonitor m = new LinkMonitor(List.of("sh", "-c", "echo change"), judged::release)) {
            // Start, line, (end, a second later) start, line: four judgements in two lives.
            assertThat(judged.tryAcquire(4, 10, TimeUnit.SECONDS)).isTrue();
        }
    }

    @Test
    void aMonitorThatCannotRunIsAnErrorThatSaysSo() {
        assertThatThrownBy(() -> new LinkMonitor(List.of("/nonexistent/ip", "monitor"), () -> { }))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("ha.track-interfaces: cannot watch the links with '/nonexistent/ip monitor'");
    }

    @Test
    void closingStopsTheMonitorProcess() throws Exception {
        LinkMonitor m = new LinkMonitor(List.of("sleep", "30"), () -> { });
        long before = ProcessHandle.current().children().filter(p -> p.info().command().orElse("").endsWith("sleep")).count();
        m.close();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (ProcessHandle.current().children().anyMatch(p -> p.info().command().orElse("").endsWith("sleep"))
                && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(before).isEqualTo(1);
        assertThat(ProcessHandle.current().children().filter(p -> p.info().command().orElse("").endsWith("sleep")).count())
                .isZero();
    }
}

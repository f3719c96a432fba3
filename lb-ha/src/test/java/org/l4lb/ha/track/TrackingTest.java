package org.l4lb.ha.track;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.l4lb.core.config.TrackInterfaceConfig;
import org.l4lb.core.config.TrackScriptConfig;
import org.l4lb.ha.command.Commands;

class TrackingTest {

    @Test
    void aServiceWithoutEligibleServersLowersThePriorityAndRecovers() {
        AtomicBoolean eligible = new AtomicBoolean(true);
        Tracking t = new Tracking();
        t.trackService("web", -60, eligible::get);
        assertThat(t.effective(150)).isEqualTo(150);
        eligible.set(false);
        assertThat(t.effective(150)).isEqualTo(90);
        assertThat(t.fault()).isNull();
        eligible.set(true);
        assertThat(t.effective(150)).isEqualTo(150);
    }

    @Test
    void weightZeroForcesFaultAndPrioritiesStayWithinVrrpRange() {
        AtomicBoolean eligible = new AtomicBoolean(false);
        Tracking t = new Tracking();
        t.trackService("db", 0, eligible::get);
        t.trackService("web", -200, () -> false);
        assertThat(t.fault()).isEqualTo("service db");
        assertThat(t.effective(100)).isEqualTo(1);
        Tracking up = new Tracking();
        up.trackService("x", 200, () -> false);
        assertThat(up.effective(100)).isEqualTo(254);
    }

    @Test
    void aTrackScriptNeedsFallFailuresAndRiseSuccesses() throws Exception {
        AtomicInteger exit = new AtomicInteger(0);
        AtomicInteger runs = new AtomicInteger();
        Commands fake = (command, timeout) -> {
            assertThat(command).containsExactly("/bin/sh", "-c", "check-gateway");
            runs.incrementAndGet();
            return new Commands.Result(exit.get(), "");
        };
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
        try {
            Tracking t = new Tracking();
            t.trackScript(new TrackScriptConfig("gw", "check-gateway", Duration.ofMillis(20), Duration.ofSeconds(1), 3, 2, -30),
                    fake, timer);
            Thread.sleep(100);
            assertThat(t.effective(100)).isEqualTo(100);
            exit.set(1);
            int at = runs.get();
            while (runs.get() < at + 2) {
                Thread.sleep(5);
            }
            // two failures are not yet three
            assertThat(t.effective(100)).isIn(100, 70);
            while (runs.get() < at + 6) {
                Thread.sleep(5);
            }
            assertThat(t.effective(100)).isEqualTo(70);
            exit.set(0);
            at = runs.get();
            while (runs.get() < at + 4) {
                Thread.sleep(5);
            }
            assertThat(t.effective(100)).isEqualTo(100);
        } finally {
            timer.shutdownNow();
        }
    }

    @Test
    void aReloadKeepsAnUnchangedFailingScriptFailingAndSwapsTheRestAtOnce() throws Exception {
        AtomicInteger gwRuns = new AtomicInteger();
        AtomicInteger dnsRuns = new AtomicInteger();
        Commands fake = (command, timeout) -> {
            if (command.get(2).equals("check-gateway")) {
                gwRuns.incrementAndGet();
                return new Commands.Result(1, "");
            }
            dnsRuns.incrementAndGet();
            return new Commands.Result(0, "");
        };
        TrackScriptConfig gw = new TrackScriptConfig("gw", "check-gateway", Duration.ofMillis(10), Duration.ofSeconds(1), 1, 1, -30);
        TrackScriptConfig dns = new TrackScriptConfig("dns", "check-dns", Duration.ofMillis(10), Duration.ofSeconds(1), 1, 1, -5);
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
        try {
            Tracking t = new Tracking();
            t.replace(List.of(new Tracking.ServiceTrack("web", -50, () -> true)), List.of(gw), fake, timer);
            while (t.effective(100) != 70) {
                Thread.sleep(5);
            }
            t.replace(List.of(new Tracking.ServiceTrack("db", -50, () -> false)), List.of(gw, dns), fake, timer);
            assertThat(t.effective(100)).as("gw kept failing across the swap, db failing at once").isEqualTo(20);
            while (dnsRuns.get() < 2) {
                Thread.sleep(5);
            }
            t.replace(List.of(), List.of(dns), fake, timer);
            int gwAt = gwRuns.get();
            Thread.sleep(100);
            assertThat(gwRuns.get()).as("a dropped script stops running").isLessThanOrEqualTo(gwAt + 1);
            assertThat(t.effective(100)).isEqualTo(100);
        } finally {
            timer.shutdownNow();
        }
    }

    @Test
    void trackedInterfacesLowerThePriorityOrForceFaultAndGoAwayOnReplace() throws Exception {
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
        try (Tracking t = new Tracking()) {
            t.replace(List.of(), List.of(), List.of(new TrackInterfaceConfig("lo", -50), new TrackInterfaceConfig("l4lbnone0", -30)),
                    java.util.Set.of(), Commands.SYSTEM, timer);
            assertThat(t.effective(150)).as("lo is fine, the missing one lowers it").isEqualTo(120);
            assertThat(t.fault()).isNull();
            t.replace(List.of(), List.of(), List.of(new TrackInterfaceConfig("lo", -50), new TrackInterfaceConfig("l4lbnone0", -30)),
                    java.util.Set.of(), Commands.SYSTEM, timer);
            assertThat(t.effective(150)).as("the same again (a reload that changed something else)").isEqualTo(120);
            t.replace(List.of(), List.of(), List.of(new TrackInterfaceConfig("l4lbnone0", 0)), java.util.Set.of(),
                    Commands.SYSTEM, timer);
            assertThat(t.fault()).isEqualTo("interface l4lbnone0");
            t.replace(List.of(), List.of(), Commands.SYSTEM, timer);
            assertThat(t.fault()).isNull();
            assertThat(t.effective(150)).isEqualTo(150);
        } finally {
            timer.shutdownNow();
        }
    }
}

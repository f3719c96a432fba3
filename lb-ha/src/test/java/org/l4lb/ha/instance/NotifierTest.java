package org.l4lb.ha.instance;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.l4lb.ha.command.Commands;

class NotifierTest {

    @Test
    void notifyRunsTheScriptWithKeepalivedsArgumentsAndNeverBlocks() throws Exception {
        List<List<String>> calls = new java.util.concurrent.CopyOnWriteArrayList<>();
        java.util.concurrent.CountDownLatch slow = new java.util.concurrent.CountDownLatch(1);
        Commands fake = (command, timeout) -> {
            calls.add(command);
            try {
                slow.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return new Commands.Result(1, "boom");
        };
        try (Notifier n = new Notifier("/etc/l4lb/notify.sh", "web-pair", fake)) {
            long t0 = System.nanoTime();
            n.notify(org.l4lb.ha.election.HaState.MASTER, 150);
            n.notify(org.l4lb.ha.election.HaState.BACKUP, 150);
            assertThat(System.nanoTime() - t0).as("notify returns at once").isLessThan(500_000_000L);
            slow.countDown();
            while (calls.size() < 2) {
                Thread.sleep(5);
            }
            assertThat(calls.get(0)).containsExactly("/etc/l4lb/notify.sh", "INSTANCE", "web-pair", "MASTER", "150");
            assertThat(calls.get(1)).containsExactly("/etc/l4lb/notify.sh", "INSTANCE", "web-pair", "BACKUP", "150");
        }
    }
}

package org.l4lb.ha.sched;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.l4lb.ha.command.Commands;

/** A nice value above 0 needs no privilege, so the mechanism is checked the same as root or not. */
class HaThreadsTest {

    private static int ownNice() throws Exception {
        return HaThreads.niceOf(Files.readSymbolicLink(Path.of("/proc/thread-self")).getFileName().toString());
    }

    @Test
    void aThreadTakesTheNiceValueAndTheThreadsItStartsInheritIt() throws Exception {
        CompletableFuture<int[]> seen = new CompletableFuture<>();
        Thread t = new HaThreads("l4lb-test", 7, Commands.SYSTEM).newThread(() -> {
            try {
                int own = ownNice();
                CompletableFuture<Integer> child = new CompletableFuture<>();
                Thread c = new Thread(() -> {
                    try {
                        child.complete(ownNice());
                    } catch (Exception e) {
                        child.completeExceptionally(e);
                    }
                });
                c.start();
                seen.complete(new int[] {own, child.get(5, TimeUnit.SECONDS)});
            } catch (Exception e) {
                seen.completeExceptionally(e);
            }
        });
        t.start();
        int[] nice = seen.get(10, TimeUnit.SECONDS);
        assertThat(nice[0]).as("the HA thread's own nice").isEqualTo(7);
        assertThat(nice[1]).as("a thread it started").isEqualTo(7);
        assertThat(ownNice()).as("the caller's is left alone").isNotEqualTo(7);
    }

    @Test
    void aNiceValueThatCannotBeSetLeavesTheThreadRunning() throws Exception {
        Commands refused = (command, timeout) -> new Commands.Result(1, "renice: Permission denied");
        CompletableFuture<Integer> seen = new CompletableFuture<>();
        Thread t = new HaThreads("l4lb-test", -20, refused).newThread(() -> {
            try {
                seen.complete(ownNice());
            } catch (Exception e) {
                seen.completeExceptionally(e);
            }
        });
        t.start();
        assertThat(seen.get(10, TimeUnit.SECONDS)).isNotEqualTo(-20);
    }
}

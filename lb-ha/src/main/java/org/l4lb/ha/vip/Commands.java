package org.l4lb.ha.vip;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs an external command with a time limit; swappable so tests can record what would run. */
public interface Commands {

    record Result(int exitCode, String output) {
        public boolean ok() {
            return exitCode == 0;
        }
    }

    Result run(List<String> command, Duration timeout);

    /** Starts a command and does not wait for it (it must end by itself); failures are ignored. */
    default void spawn(List<String> command) {
        Thread t = new Thread(() -> run(command, Duration.ofSeconds(10)), "l4lb-spawn");
        t.setDaemon(true);
        t.start();
    }

    Commands SYSTEM = (command, timeout) -> {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                return new Result(-1, "timed out after " + timeout.toMillis() + " ms");
            }
            return new Result(p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim());
        } catch (IOException e) {
            return new Result(-1, String.valueOf(e.getMessage()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(-1, "interrupted");
        }
    };
}

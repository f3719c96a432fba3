package org.l4lb.ha.command;

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

    /**
     * Runs the command as a process. Its output is read while it runs: a command that prints more
     * than a pipe holds (ss -K prints every socket it closes) would otherwise block on the full
     * pipe until its time limit, and hold up what waits for it.
     */
    Commands SYSTEM = (command, timeout) -> {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            java.util.concurrent.CompletableFuture<byte[]> output = new java.util.concurrent.CompletableFuture<>();
            Thread reader = new Thread(() -> {
                try {
                    output.complete(p.getInputStream().readAllBytes());
                } catch (IOException e) {
                    output.complete(new byte[0]);
                }
            }, "l4lb-command-output");
            reader.setDaemon(true);
            reader.start();
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                return new Result(-1, "timed out after " + timeout.toMillis() + " ms");
            }
            byte[] bytes;
            try {
                // The process has ended: its output ends once any child it left closes it too.
                bytes = output.get(1, TimeUnit.SECONDS);
            } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                bytes = new byte[0];
            }
            return new Result(p.exitValue(), new String(bytes, StandardCharsets.UTF_8).trim());
        } catch (IOException e) {
            return new Result(-1, String.valueOf(e.getMessage()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(-1, "interrupted");
        }
    };
}

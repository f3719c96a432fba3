package org.l4lb.tcp.drill;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Saturates every core of the machine for a bounded time ({@code stress-ng --cpu N}), at the
 * normal priority, as an LB node's own busy neighbours would: the drills' faults under load.
 */
final class CpuHog implements AutoCloseable {

    private final Process process;

    private CpuHog(Process process) {
        this.process = process;
    }

    static boolean installed() {
        return Sh.run("sh", "-c", "command -v stress-ng").code() == 0;
    }

    static CpuHog start(Path dir, int seconds) throws IOException {
        int cores = Runtime.getRuntime().availableProcessors();
        Process p = new ProcessBuilder("stress-ng", "--cpu", Integer.toString(cores), "--timeout", seconds + "s", "--quiet")
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("stress-ng.out").toFile()))
                .start();
        return new CpuHog(p);
    }

    @Override
    public void close() throws InterruptedException {
        // stress-ng's workers end with their parent's SIGTERM.
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
    }
}

package org.l4lb.ha.track;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Calls back on every change of a link or an address the kernel reports (netlink, through
 * {@code ip monitor}), so tracked interfaces are judged when they change, not on a poll. If the
 * monitor ends it is started again, and the callback runs once more, since changes may have come
 * unseen meanwhile.
 */
final class LinkMonitor implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(LinkMonitor.class);
    private static final long RESTART_MILLIS = 1000;

    private final List<String> command;
    private final Runnable onChange;
    private final Thread reader;
    private volatile Process process;
    private volatile boolean closed;

    /** Starts {@code ip -o monitor link address}; throws, saying why, where it cannot run. */
    static LinkMonitor start(Runnable onChange) {
        return new LinkMonitor(List.of("ip", "-o", "monitor", "link", "address"), onChange);
    }

    LinkMonitor(List<String> command, Runnable onChange) {
        this.command = command;
        this.onChange = onChange;
        try {
            this.process = launch();
        } catch (IOException e) {
            throw new IllegalStateException("ha.track-interfaces: cannot watch the links with '" + String.join(" ", command)
                    + "' (iproute2 installed?): " + e.getMessage(), e);
        }
        this.reader = new Thread(this::readLoop, "l4lb-link");
        reader.setDaemon(true);
        reader.start();
    }

    private Process launch() throws IOException {
        return new ProcessBuilder(command).redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.PIPE).start();
    }

    private void readLoop() {
        while (!closed) {
            Process p = process;
            try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                // The monitor may have started after a change: judge once before waiting for the next.
                onChange.run();
                while (in.readLine() != null) {
                    onChange.run();
                }
            } catch (IOException e) {
                // closed under us, or the monitor died: handled below
            }
            if (closed) {
                return;
            }
            LOG.warn("HA: the link monitor '{}' ended (exit {}); starting it again", String.join(" ", command), exit(p));
            try {
                Thread.sleep(RESTART_MILLIS);
                process = launch();
            } catch (InterruptedException e) {
                return;
            } catch (IOException e) {
                LOG.warn("HA: cannot start the link monitor again: {}", e.getMessage());
            }
        }
    }

    private static String exit(Process p) {
        try {
            return p.isAlive() ? "none yet" : String.valueOf(p.exitValue());
        } catch (IllegalThreadStateException e) {
            return "none yet";
        }
    }

    @Override
    public void close() {
        closed = true;
        process.destroy();
        reader.interrupt();
    }
}

package org.l4lb.ha.sched;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicBoolean;
import org.l4lb.ha.command.Commands;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes the HA threads: daemon threads that raise their own scheduling priority (nice) as they
 * start, as keepalived's {@code vrrp_priority} does for its VRRP process. On a machine whose cores
 * are busy, the adverts, the failure detection and the VIP commands then run ahead of the data
 * plane, the collector's helpers and every other process at the normal priority.
 *
 * <p>Linux keeps a nice value per thread, and a new thread or process starts with its creator's:
 * the threads an HA thread starts (JGroups' receivers, timers and pool) and the commands it runs
 * ({@code ip}, {@code arping}, {@code nft}) get it too. Lowering it below 0 needs root,
 * CAP_SYS_NICE or a nice limit (systemd's {@code LimitNICE=-20}); without, the threads keep the
 * normal priority and one warning says why.
 */
public final class HaThreads implements ThreadFactory {

    private static final Logger LOG = LoggerFactory.getLogger(HaThreads.class);

    private final String name;
    private final int nice;
    private final Commands commands;
    private final AtomicBoolean warned = new AtomicBoolean();

    /** @param nice -20 (first) to 19; 0 leaves the threads as they are */
    public HaThreads(String name, int nice, Commands commands) {
        this.name = name;
        this.nice = nice;
        this.commands = commands;
    }

    @Override
    public Thread newThread(Runnable r) {
        Thread t = new Thread(() -> {
            raise();
            r.run();
        }, name);
        t.setDaemon(true);
        t.setPriority(Thread.MAX_PRIORITY);
        return t;
    }

    /** Gives the calling thread this factory's nice value; says why not once, if it cannot. */
    public void raise() {
        if (nice == 0) {
            return;
        }
        String why = apply();
        if (why != null && warned.compareAndSet(false, true)) {
            LOG.warn("HA: the HA threads keep the normal priority ({}); a busy machine can delay adverts and"
                    + " failover. Run as root, or give the process CAP_SYS_NICE or a nice limit (systemd LimitNICE=-20;"
                    + " the Docker image: --cap-add SYS_NICE), or set ha.nice = 0 to silence this", why);
        }
    }

    private String apply() {
        String tid;
        try {
            tid = Files.readSymbolicLink(Path.of("/proc/thread-self")).getFileName().toString();
        } catch (IOException | UnsupportedOperationException e) {
            return "cannot tell the thread's id: " + e.getMessage();
        }
        Commands.Result r = commands.run(List.of("renice", "-n", Integer.toString(nice), "-p", tid), Duration.ofSeconds(5));
        if (!r.ok()) {
            return "renice -n " + nice + ": " + r.output();
        }
        int now = niceOf(tid);
        if (now != nice) {
            return "renice -n " + nice + " left it at " + now;
        }
        return null;
    }

    /** The thread's nice value: field 19 of its stat, counted after the command name's parenthesis. */
    static int niceOf(String tid) {
        try {
            String stat = Files.readString(Path.of("/proc/self/task", tid, "stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Integer.parseInt(f[16]);
        } catch (IOException | RuntimeException e) {
            return Integer.MIN_VALUE;
        }
    }
}

package org.l4lb.ha.vip;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * Turns the election's decisions into VIP work ({@code ip}, ARP, nft), in order, on a thread of
 * its own, so that no command can hold up the election. Work queued behind a change of mind checks
 * the state again when it runs: a node that stepped down meanwhile must not take the VIPs back.
 */
public final class VipController implements AutoCloseable {

    private final VipManager vips;
    private final BooleanSupplier master;
    private final long releaseGraceMs;
    private final ExecutorService runner;
    private volatile FlowStateSync flows = FlowStateSync.NONE;
    /** Whether the flows were taken over since this node last became master; the VIP thread's alone. */
    private boolean flowsTaken;

    /**
     * @param master whether this node is master now
     * @param releaseGrace how long a node that lost the role without a handoff keeps the VIPs while
     *     the new master's gratuitous ARPs go out
     * @param threads makes the VIP thread (the HA thread's priority)
     */
    public VipController(VipManager vips, BooleanSupplier master, Duration releaseGrace, ThreadFactory threads) {
        this.vips = vips;
        this.master = master;
        this.releaseGraceMs = releaseGrace.toMillis();
        this.runner = Executors.newSingleThreadExecutor(threads);
    }

    /** Removes a VIP a previous life of this node left behind; on the caller's thread, before joining. */
    public void start() throws Exception {
        vips.start();
    }

    /** What follows the VIPs besides them; set before the node joins its group. */
    public void flowStateSync(FlowStateSync sync) {
        this.flows = sync;
    }

    public void acquire() {
        runner.execute(() -> {
            if (master.getAsBoolean()) {
                if (!flowsTaken) {
                    flowsTaken = true;
                    flows.beforeTakingVips();
                }
                vips.acquire();
            }
        });
    }

    public void announce() {
        runner.execute(() -> {
            if (master.getAsBoolean()) {
                vips.announce();
            }
        });
    }

    public void release() {
        runner.execute(this::releaseUnlessMaster);
    }

    /**
     * Another node is master now: stop announcing at once (behind any acquire still queued). Keep
     * the VIPs: with a flow handoff, quietly, serving the open connections whose packets the new
     * master passes on; without, for a moment while the new master's ARPs move the clients, so that
     * none is sent to a node without the VIP.
     *
     * @param refused run when a handoff was asked for and the VIPs cannot be kept quietly
     */
    public void steppedDown(boolean handOff, Runnable refused) {
        runner.execute(() -> {
            if (flowsTaken && !master.getAsBoolean()) {
                flowsTaken = false;
                flows.steppedDown();
            }
            if (vips.keepQuietly()) {
                return;
            }
            if (handOff) {
                refused.run();
            }
            try {
                Thread.sleep(releaseGraceMs);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            releaseUnlessMaster();
        });
    }

    public void passUnknownFlows(String target) {
        runner.execute(() -> vips.passUnknownFlows(target));
    }

    /** Another list of VIPs (a reload); as master, the new ones are added. */
    public void virtualIps(List<String> next) {
        runner.execute(() -> vips.virtualIps(next, master.getAsBoolean()));
    }

    public String handoffAddress() {
        return vips.handoffAddress().orElse("");
    }

    private void releaseUnlessMaster() {
        if (!master.getAsBoolean()) {
            vips.release();
        }
    }

    /** Runs what is queued, then lets the VIPs go. */
    @Override
    public void close() throws InterruptedException {
        runner.execute(vips::close);
        runner.shutdown();
        runner.awaitTermination(10, TimeUnit.SECONDS);
    }
}

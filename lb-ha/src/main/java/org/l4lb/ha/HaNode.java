package org.l4lb.ha;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;
import org.jgroups.Address;
import org.jgroups.View;
import org.l4lb.core.time.Ticker;
import org.l4lb.ha.cluster.Advert;
import org.l4lb.ha.cluster.ClusterLink;
import org.l4lb.ha.cluster.ClusterSettings;
import org.l4lb.ha.election.HaState;
import org.l4lb.ha.election.NodeId;
import org.l4lb.ha.handoff.QuietHold;
import org.l4lb.ha.instance.Effects;
import org.l4lb.ha.instance.ElectionMachine;
import org.l4lb.ha.instance.Notifier;
import org.l4lb.ha.sched.HaThreads;
import org.l4lb.ha.sync.StickySync;
import org.l4lb.ha.sync.StickyTables;
import org.l4lb.ha.track.Tracking;
import org.l4lb.ha.command.Commands;
import org.l4lb.ha.vip.VipController;
import org.l4lb.ha.vip.VipManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One node of an HA group: wires the cluster link, the instance's {@link ElectionMachine} and the
 * VIP controller. Every event (an advert, a view, a tick ten times an advert interval, a handover)
 * is handed to the machine on one thread, the HA thread, which does nothing that can wait and
 * runs at the highest priority the process may take ({@code ha.nice}); the threads it starts
 * (JGroups', the VIP thread) inherit it.
 */
public final class HaNode implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(HaNode.class);

    private final ClusterSettings settings;
    private final NodeId self;
    private final Tracking tracking;
    private final Notifier notifier;
    private final Ticker ticker;
    private final HaThreads threads;
    private final ScheduledExecutorService haThread;
    private final VipController vips;
    private final ClusterLink link;
    private final Duration releaseGrace;
    private final ElectionMachine machine;
    private ScheduledFuture<?> ticks;
    private java.util.concurrent.Future<?> prepared;
    private volatile boolean closed;
    /** Told of every transition, on the HA thread: it must not wait. */
    private volatile java.util.function.BiConsumer<HaState, String> onTransition = (state, reason) -> {
    };
    /** Null unless a service keeps persistence bindings for the other members. */
    private volatile StickySync sticky;

    /**
     * @param releaseGrace how long a node that lost the role keeps the VIPs while the new master's
     *     gratuitous ARPs go out: Linux ignores a new ARP entry within locktime (1 s) of the last
     *     change, so the last of them may be the one that counts
     * @param handoffTimeout how long a master that stepped down keeps serving the connections open
     *     on the VIPs, when the VIP manager can hand them off
     * @param openSessions the sessions this node serves now
     * @param nice the HA threads' nice value (-20 first, 0 as they are)
     * @param instance the instance's name, in its threads' (and so its log lines') names
     */
    public HaNode(String instance, ClusterSettings settings, NodeId self, int priority, boolean preempt, Duration preemptDelay,
            VipManager vipManager, Duration releaseGrace, Duration handoffTimeout, IntSupplier openSessions,
            Tracking tracking, String notifyScript, int nice, Ticker ticker) {
        this.settings = settings;
        this.self = self;
        this.releaseGrace = releaseGrace;
        this.tracking = tracking;
        this.ticker = ticker;
        this.notifier = new Notifier(notifyScript, settings.group(), Commands.SYSTEM);
        String suffix = instance.equals(org.l4lb.core.config.HaConfig.SHORTHAND) ? "" : "-" + instance;
        this.threads = new HaThreads("l4lb-ha" + suffix, nice, Commands.SYSTEM);
        ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1, threads);
        timer.setRemoveOnCancelPolicy(true);
        this.haThread = timer;
        QuietHold hold = new QuietHold(releaseGrace.toNanos(), handoffTimeout.toNanos(), openSessions);
        this.link = new ClusterLink(settings, new ClusterLink.Listener() {
            @Override
            public void advert(Address from, Advert advert) {
                onHaThread(() -> machine.onAdvert(from, advert, ticker.nanos()));
                StickySync s = sticky;
                if (s != null) {
                    s.advert(from, advert.takesBindings());
                }
            }

            @Override
            public void view(View view) {
                onHaThread(() -> machine.onView(view, ticker.nanos()));
                StickySync s = sticky;
                if (s != null) {
                    s.view(view);
                }
            }

            @Override
            public void bindings(Address from, byte[] batch) {
                StickySync s = sticky;
                if (s != null) {
                    s.received(from, batch);
                }
            }

            @Override
            public void stranger(String sender, boolean notice) {
                // Counted at once (the log's rate limit is its own), judged at the next evaluation.
                machine.onStranger(sender, notice, ticker.nanos());
            }
        });
        this.vips = new VipController(vipManager, this::isMaster, releaseGrace,
                new HaThreads("l4lb-vip" + suffix, nice, Commands.SYSTEM));
        this.machine = new ElectionMachine(self, settings.nodeName(),
                new ElectionMachine.Settings(priority, preempt, preemptDelay.toNanos()), settings.advertInterval().toNanos(),
                tracking, releaseGrace.toNanos(), hold, new Effects() {
                    @Override
                    public void send(Advert advert) {
                        link.send(advert);
                    }

                    @Override
                    public void acquire() {
                        vips.acquire();
                    }

                    @Override
                    public void announce() {
                        vips.announce();
                    }

                    @Override
                    public void steppedDown(boolean handOff) {
                        vips.steppedDown(handOff, () -> onHaThread(() -> machine.quietHoldRefused(ticker.nanos())));
                    }

                    @Override
                    public void release() {
                        vips.release();
                    }

                    @Override
                    public void passUnknownFlows(String target) {
                        vips.passUnknownFlows(target);
                    }

                    @Override
                    public String handoffAddress() {
                        return vips.handoffAddress();
                    }

                    @Override
                    public void transitioned(HaState next, int effectivePriority) {
                        notifier.notify(next, effectivePriority);
                        onTransition.accept(next, machine.status().lastReason());
                    }
                });
    }

    private boolean isMaster() {
        return machine.state() == HaState.MASTER;
    }

    private void onHaThread(Runnable r) {
        try {
            haThread.execute(() -> guarded(r));
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // closing
        }
    }

    private void guarded(Runnable r) {
        if (closed) {
            return; // closing: decide nothing more, the VIPs are about to be released
        }
        try {
            r.run();
        } catch (RuntimeException e) {
            LOG.error("HA: unexpected error", e);
        }
    }

    /**
     * Takes new election settings without leaving the cluster (a reload): the next advert carries
     * the new priority, and the next election uses the new preempt rules.
     */
    public void reconfigure(int priority, boolean preempt, Duration preemptDelay, String notifyScript) {
        int old = machine.status().priority();
        machine.reconfigure(new ElectionMachine.Settings(priority, preempt, preemptDelay.toNanos()));
        notifier.script(notifyScript);
        if (old != priority) {
            LOG.info("HA: priority {} -> {} (reload)", old, priority);
        }
    }

    /**
     * Another advert interval (a reload), without leaving the cluster: adverts go out at the new
     * pace from the next tick, and the others' are judged by the longer of the two intervals (their
     * adverts carry theirs), so a reload done node after node marks nobody as gone.
     */
    public void advertInterval(Duration next) {
        onHaThread(() -> {
            long old = machine.advertNanos();
            machine.advertInterval(next.toNanos());
            if (ticks != null) {
                ticks.cancel(false);
                scheduleTicks();
            }
            link.retime(next.toMillis());
            LOG.info("HA: advert interval {} -> {} ms (reload)", old / 1_000_000, next.toMillis());
        });
    }

    private void scheduleTicks() {
        ticks = haThread.scheduleAtFixedRate(() -> guarded(() -> machine.onTick(ticker.nanos())), 0,
                Math.max(1, machine.advertNanos() / 10), TimeUnit.NANOSECONDS);
    }

    /**
     * Tells {@code listener} of every transition from now on, with its new state and reason, on the
     * HA thread: it must return at once.
     */
    public void onTransition(java.util.function.BiConsumer<HaState, String> listener) {
        this.onTransition = listener;
    }

    /** What lowers this node's priority; a reload replaces what it tracks. */
    public Tracking tracking() {
        return tracking;
    }

    /** What follows the VIPs besides them (conntrackd's flows); set before {@link #start()}. */
    public void flowStateSync(org.l4lb.ha.vip.FlowStateSync sync) {
        vips.flowStateSync(sync);
    }

    /** Takes another list of VIPs (a reload), in order with the other VIP work; as master, adds the new ones. */
    public void virtualIps(List<String> next) {
        vips.virtualIps(next);
    }

    /**
     * Keeps the other members' persistence tables in step with these: what is bound here reaches
     * them within {@code interval}, a member that joins gets them all, and what the others bind is
     * learned here. Before {@link #start()}.
     */
    public void replicate(StickyTables tables, Duration interval) {
        sticky = new StickySync(tables, link::sendBindings, link::address, interval);
    }

    /**
     * Builds the cluster stack on the HA thread while the caller goes on (the node warms its data
     * path up meanwhile); {@link #start()} waits for it.
     */
    public void prepare() {
        prepared = haThread.submit(() -> {
            link.prepare();
            return null;
        });
    }

    /**
     * Joins the group, from the HA thread, so that JGroups' threads are its children and run at
     * its priority. A VIP a previous life of this node left behind is removed first.
     */
    public void start() throws Exception {
        vips.start();
        try {
            if (prepared != null) {
                prepared.get();
            }
            haThread.submit(() -> {
                link.connect();
                machine.connected(link.address(), true);
                scheduleTicks();
                return null;
            }).get();
            StickySync s = sticky;
            if (s != null) {
                s.start();
            }
        } catch (ExecutionException e) {
            throw e.getCause() instanceof Exception c ? c : e;
        }
        LOG.info("HA: node {} joined group {} with priority {} ({} member(s) in view)", self, settings.group(),
                machine.status().priority(), link.viewSize());
    }

    /**
     * Planned switchover: advertise priority 0 so another node takes over at once, and wait until
     * one has (or the timeout passes) and its gratuitous ARPs have gone out, so that no client
     * starts a connection here any more. With a flow handoff this node keeps serving its open
     * connections until {@link #close()}; without, it gives the VIPs up after the release grace.
     */
    public void handOver(Duration timeout) throws InterruptedException {
        // Read before the step-down is asked for: on a busy machine the other node can take over
        // before this thread runs again, and a master that stepped down must still wait out the
        // grace before its listeners close under the clients that have not moved yet.
        boolean stepped = machine.state() == HaState.MASTER;
        onHaThread(() -> machine.onHandover(ticker.nanos()));
        long deadline = System.nanoTime() + timeout.toNanos();
        while (machine.state() == HaState.MASTER && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        if (machine.state() == HaState.MASTER) {
            LOG.warn("HA: no other node took over within {} ms; keeping the VIPs until this node has drained", timeout.toMillis());
        } else if (stepped) {
            Thread.sleep(releaseGrace.toMillis());
        }
    }

    /** Freezes the HA thread as SIGSTOP would, while JGroups runs on: for tests. */
    void stallForTest(Duration d) {
        haThread.execute(() -> {
            try {
                Thread.sleep(d.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
    }

    /** The JGroups channel: for tests that cut the link inside the stack. */
    org.jgroups.JChannel channelForTest() {
        return link.channel();
    }

    /** What the node reports of itself. */
    public ElectionMachine.Status status() {
        return machine.status();
    }

    @Override
    public synchronized void close() throws InterruptedException {
        if (closed) {
            return;
        }
        closed = true;
        // The channel first: JGroups delivers on its own threads until it is closed, and each
        // delivery queues work on the HA thread.
        link.close();
        StickySync s = sticky;
        if (s != null) {
            s.close();
        }
        haThread.shutdownNow();
        haThread.awaitTermination(2, TimeUnit.SECONDS);
        vips.close();
        notifier.close();
        tracking.close();
        machine.closed();
    }
}

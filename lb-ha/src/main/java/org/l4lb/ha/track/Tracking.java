package org.l4lb.ha.track;

import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.l4lb.core.config.TrackInterfaceConfig;
import org.l4lb.core.config.TrackScriptConfig;
import org.l4lb.ha.instance.PriorityInputs;
import org.l4lb.ha.command.Commands;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * keepalived's {@code track_script}, {@code track_interface} and tracked services: each failing
 * check adds its weight to the priority (usually a negative one), or, with weight 0, forces FAULT.
 * Recovers by itself.
 */
public final class Tracking implements PriorityInputs, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Tracking.class);

    /** One tracked condition. */
    interface Check {
        String name();

        int weight();

        boolean failing();
    }

    /** Replaced whole (a reload), never changed in place: the election thread reads it without a lock. */
    private volatile List<Check> checks = List.of();
    /** The scripts' scheduled runs, to stop those a reload drops. */
    private final Map<ScriptCheck, ScheduledFuture<?>> runs = new HashMap<>();
    /** The tracked interfaces, judged again on each change the kernel reports. */
    private volatile List<InterfaceCheck> interfaces = List.of();
    /** Runs while an interface is tracked. */
    private LinkMonitor monitor;
    /** Null unless this instance moves with others. */
    private volatile SyncGroup syncGroup;

    /** A tracked service: fails while it has no eligible server. */
    public record ServiceTrack(String name, int weight, BooleanSupplier hasEligibleServer) {
    }

    /** A service that fails while it has no eligible server. */
    public synchronized void trackService(String name, int weight, BooleanSupplier hasEligibleServer) {
        List<Check> next = new ArrayList<>(checks);
        next.add(serviceCheck(new ServiceTrack(name, weight, hasEligibleServer)));
        checks = List.copyOf(next);
    }

    /**
     * Tracks these services and scripts from now on (a reload), in one swap so that the priority
     * never counts half of them. A script whose settings did not change keeps its state and its
     * schedule; the others start afresh, and those that are gone stop.
     */
    public synchronized void replace(List<ServiceTrack> services, List<TrackScriptConfig> scripts, Commands commands,
            ScheduledExecutorService timer) {
        replace(services, scripts, List.of(), Set.of(), commands, timer);
    }

    /**
     * As {@link #replace(List, List, Commands, ScheduledExecutorService)}, and tracks these
     * interfaces, whose addresses count but for {@code virtualIps}. Each is judged before the swap;
     * the link monitor runs while there is one.
     */
    public synchronized void replace(List<ServiceTrack> services, List<TrackScriptConfig> scripts,
            List<TrackInterfaceConfig> links, Set<InetAddress> virtualIps, Commands commands, ScheduledExecutorService timer) {
        List<InterfaceCheck> nextLinks = new ArrayList<>();
        for (TrackInterfaceConfig c : links) {
            // One whose settings did not change goes on as it was: no second "failing" line.
            InterfaceCheck same = interfaces.stream().filter(i -> i.sameAs(c, virtualIps)).findFirst().orElse(null);
            nextLinks.add(same != null ? same : new InterfaceCheck(c, virtualIps));
        }
        if (!nextLinks.isEmpty() && monitor == null) {
            monitor = LinkMonitor.start(this::judgeLinks);
        } else if (nextLinks.isEmpty() && monitor != null) {
            monitor.close();
            monitor = null;
        }
        interfaces = List.copyOf(nextLinks);
        List<Check> next = new ArrayList<>(nextLinks);
        services.forEach(t -> next.add(serviceCheck(t)));
        Map<TrackScriptConfig, ScriptCheck> kept = new HashMap<>();
        for (ScriptCheck c : runs.keySet()) {
            kept.put(c.config, c);
        }
        List<ScriptCheck> fresh = new ArrayList<>();
        for (TrackScriptConfig c : scripts) {
            ScriptCheck check = kept.remove(c);
            if (check == null) {
                check = new ScriptCheck(c, commands);
                fresh.add(check);
            }
            next.add(check);
        }
        for (ScriptCheck gone : kept.values()) {
            runs.remove(gone).cancel(false);
        }
        for (ScriptCheck c : fresh) {
            runs.put(c, timer.scheduleWithFixedDelay(c::run, 0, c.config.interval().toMillis(), TimeUnit.MILLISECONDS));
        }
        checks = List.copyOf(next);
    }

    private static Check serviceCheck(ServiceTrack t) {
        String name = t.name();
        int weight = t.weight();
        BooleanSupplier hasEligibleServer = t.hasEligibleServer();
        return new Check() {
            @Override
            public String name() {
                return "service " + name;
            }

            @Override
            public int weight() {
                return weight;
            }

            @Override
            public boolean failing() {
                return !hasEligibleServer.getAsBoolean();
            }
        };
    }

    /** A command run every interval with fall/rise hysteresis. */
    public synchronized void trackScript(TrackScriptConfig c, Commands commands, ScheduledExecutorService timer) {
        ScriptCheck check = new ScriptCheck(c, commands);
        List<Check> next = new ArrayList<>(checks);
        next.add(check);
        checks = List.copyOf(next);
        runs.put(check, timer.scheduleWithFixedDelay(check::run, 0, c.interval().toMillis(), TimeUnit.MILLISECONDS));
    }

    private void judgeLinks() {
        for (InterfaceCheck c : interfaces) {
            c.judge();
        }
    }

    /** Stops the link monitor. */
    @Override
    public synchronized void close() {
        if (monitor != null) {
            monitor.close();
            monitor = null;
        }
    }

    /** Priority after tracking (the sync group's, when in one), kept within 1..254 as keepalived does. */
    @Override
    public int effective(int priority) {
        SyncGroup g = syncGroup;
        int p = priority + (g == null ? ownOffset() : g.offset());
        return Math.max(1, Math.min(254, p));
    }

    /** A failing check with weight 0 forces FAULT; so does one of another member of the sync group. */
    @Override
    public String fault() {
        String own = ownFault();
        SyncGroup g = syncGroup;
        return own != null || g == null ? own : g.faultOfOthers(this);
    }

    void joined(SyncGroup group) {
        this.syncGroup = group;
    }

    /**
     * What lowers the priority or forces FAULT now, one line each ("service web: -50", "interface
     * eth1: FAULT"), the sync group's other members' included, for people to read.
     */
    public List<String> failing() {
        List<String> out = ownFailing();
        SyncGroup g = syncGroup;
        if (g != null) {
            out.addAll(g.othersFailing(this));
        }
        return out;
    }

    List<String> ownFailing() {
        List<String> out = new ArrayList<>();
        for (Check c : checks) {
            if (c.failing()) {
                out.add(c.name() + ": " + (c.weight() == 0 ? "FAULT" : (c.weight() > 0 ? "+" : "") + c.weight()));
            }
        }
        return out;
    }

    /** What this instance's own failing checks add to its priority. */
    int ownOffset() {
        int sum = 0;
        for (Check c : checks) {
            if (c.weight() != 0 && c.failing()) {
                sum += c.weight();
            }
        }
        return sum;
    }

    /** The first of this instance's own checks that forces FAULT, or null. */
    String ownFault() {
        for (Check c : checks) {
            if (c.weight() == 0 && c.failing()) {
                return c.name();
            }
        }
        return null;
    }

    private static final class ScriptCheck implements Check {

        private final TrackScriptConfig config;
        private final Commands commands;
        private volatile boolean failing;
        private int streak;

        ScriptCheck(TrackScriptConfig config, Commands commands) {
            this.config = config;
            this.commands = commands;
        }

        @Override
        public String name() {
            return "script " + (config.name().isEmpty() ? config.command() : config.name());
        }

        @Override
        public int weight() {
            return config.weight();
        }

        @Override
        public boolean failing() {
            return failing;
        }

        void run() {
            Commands.Result r = commands.run(List.of("/bin/sh", "-c", config.command()), timeout());
            boolean ok = r.ok();
            if (ok == !failing) {
                streak = 0;
                return;
            }
            streak++;
            if (streak >= (failing ? config.rise() : config.fall())) {
                failing = !ok;
                streak = 0;
                LOG.info("tracked {} {} (exit {}: {})", name(), failing ? "failing" : "recovered", r.exitCode(), r.output());
            }
        }

        private Duration timeout() {
            return config.timeout();
        }
    }
}

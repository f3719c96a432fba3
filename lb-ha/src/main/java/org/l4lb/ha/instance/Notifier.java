package org.l4lb.ha.instance;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.l4lb.ha.election.HaState;
import org.l4lb.ha.command.Commands;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the notify script on every transition, as keepalived does
 * ({@code script INSTANCE GROUP STATE PRIORITY}), on its own thread so a slow or hanging script
 * never delays the election; failures are logged.
 */
public final class Notifier implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Notifier.class);

    private volatile String script;
    private final String group;
    private final Commands commands;
    private final ExecutorService runner = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "l4lb-notify");
        t.setDaemon(true);
        return t;
    });

    public Notifier(String script, String group, Commands commands) {
        this.script = script;
        this.group = group;
        this.commands = commands;
    }

    /** Another script for the transitions from now on (a reload). */
    public void script(String next) {
        this.script = next;
    }

    public void notify(HaState state, int priority) {
        String script = this.script;
        if (script.isEmpty()) {
            return;
        }
        runner.execute(() -> {
            Commands.Result r = commands.run(List.of(script, "INSTANCE", group, state.name(), Integer.toString(priority)),
                    Duration.ofSeconds(30));
            if (!r.ok()) {
                LOG.warn("notify script {} {} failed ({}): {}", script, state, r.exitCode(), r.output());
            }
        });
    }

    @Override
    public void close() {
        runner.shutdown();
    }
}

package org.l4lb.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.l4lb.core.balance.Attempt;
import org.l4lb.core.config.ConfigLoader;
import org.l4lb.core.config.InvalidConfigException;
import org.l4lb.core.config.ServiceConfig;
import org.l4lb.core.time.Ticker;
import org.l4lb.core.upstream.ServerState;
import org.l4lb.core.upstream.ServerStateListener;
import org.l4lb.core.upstream.Upstream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One pick (and its release) per operation, as the data plane does per new connection: every
 * strategy over 10 weighted servers, clients from 1,024 source addresses. The service comes from a
 * real config file through ConfigLoader, as in the product. Run with {@code -prof gc}: the
 * allocation rate per operation must be 0 in steady state.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class PickBenchmark {

    @Param({"round-robin", "least-conn", "ip-hash", "hash", "hash consistent", "random", "random-two", "first",
        "round-robin persistent"})
    public String strategy;

    private Upstream upstream;
    private Attempt attempt;
    private final byte[][] clients = new byte[1024][];
    private int next;

    @Setup(Level.Trial)
    public void setUp() throws IOException, InvalidConfigException {
        String[] words = strategy.split(" ");
        StringBuilder servers = new StringBuilder();
        for (int i = 1; i <= 10; i++) {
            servers.append("{ address = \"10.1.0.").append(i).append(":80\", weight = ").append(1 + i % 4).append(" }\n");
        }
        String conf = """
                services.s {
                  listen = ["127.0.0.1:8000"]
                  strategy = %s
                  %s
                  %s
                  health-check.type = none
                  servers = [
                %s  ]
                }
                """.formatted(words[0], words.length > 1 && words[1].equals("consistent") ? "consistent = true" : "",
                words.length > 1 && words[1].equals("persistent") ? "persistence-timeout = 5m" : "", servers);
        Path file = Files.createTempFile("pick", ".conf");
        try {
            Files.writeString(file, conf);
            ServiceConfig service = ConfigLoader.load(file).services().get(0);
            upstream = Upstream.create(service, Ticker.SYSTEM, ServerStateListener.NONE);
        } finally {
            Files.delete(file);
        }
        attempt = upstream.newAttempt();
        for (int i = 0; i < clients.length; i++) {
            clients[i] = new byte[] {10, 3, (byte) (i >> 8), (byte) i};
        }
    }

    @Benchmark
    public ServerState pick() {
        int i = next++ & (clients.length - 1);
        ServerState s = upstream.select(attempt.reset(clients[i], 1024 + i));
        s.release();
        return s;
    }
}

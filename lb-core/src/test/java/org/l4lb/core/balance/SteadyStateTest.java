package org.l4lb.core.balance;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.l4lb.core.Fixtures;
import org.l4lb.core.config.BalanceConfig;
import org.l4lb.core.config.HashKey;
import org.l4lb.core.config.ServerConfig;
import org.l4lb.core.config.Strategy;
import org.l4lb.core.time.FakeTicker;
import org.l4lb.core.upstream.ServerState;
import org.l4lb.core.upstream.ServerStateListener;
import org.l4lb.core.upstream.Upstream;

/** Picks allocate nothing once warm, and many threads picking at once never overfill max-conns. */
class SteadyStateTest {

    private static Upstream upstream(Strategy strategy, boolean consistent, Duration persistence, int maxConns) {
        ServerConfig[] servers = new ServerConfig[8];
        for (int i = 0; i < servers.length; i++) {
            servers[i] = Fixtures.withMaxConns(Fixtures.server("10.2.0." + (i + 1) + ":80", 1 + i % 3), maxConns);
        }
        return Upstream.create(Fixtures.service(new BalanceConfig(strategy, HashKey.SOURCE_IP_PORT, consistent,
                persistence, 10_000), servers), new FakeTicker(), ServerStateListener.NONE);
    }

    @ParameterizedTest
    @CsvSource({"ROUND_ROBIN,false,0", "LEAST_CONN,false,0", "IP_HASH,false,0", "HASH,false,0", "HASH,true,0",
        "RANDOM,false,0", "RANDOM_TWO,false,0", "FIRST,false,0", "ROUND_ROBIN,false,60"})
    void pickAllocatesNothingInSteadyState(Strategy strategy, boolean consistent, int persistenceSeconds) throws Exception {
        Upstream up = upstream(strategy, consistent, Duration.ofSeconds(persistenceSeconds), 0);
        InetAddress[] clients = new InetAddress[64];
        for (int i = 0; i < clients.length; i++) {
            clients[i] = InetAddress.getByAddress(new byte[] {10, 3, (byte) i, 7});
        }
        Attempt attempt = up.newAttempt();
        Runnable burst = () -> {
            for (int i = 0; i < 20_000; i++) {
                ServerState s = up.select(attempt.reset(clients[i & 63], 1024 + (i & 63)));
                s.release();
            }
        };
        burst.run();
        burst.run();
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long before = threads.getCurrentThreadAllocatedBytes();
        burst.run();
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        // 20,000 picks; one allocated object each would be >= 320 KB. Allow the measuring itself.
        assertThat(allocated).as("bytes allocated by 20,000 picks").isLessThan(4_096);
    }

    @ParameterizedTest
    @EnumSource(Strategy.class)
    void concurrentPicksNeverExceedMaxConns(Strategy strategy) throws Exception {
        Upstream up = upstream(strategy, false, Duration.ZERO, 3);
        int threads = 4;
        AtomicInteger overfull = new AtomicInteger();
        AtomicInteger served = new AtomicInteger();
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> all = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int id = t;
            Thread th = new Thread(() -> {
                try {
                    start.await();
                    Attempt attempt = up.newAttempt();
                    List<ServerState> held = new ArrayList<>();
                    for (int i = 0; i < 20_000; i++) {
                        ServerState s = up.select(attempt.reset(new byte[] {10, 4, (byte) id, (byte) i}, i));
                        if (s != null) {
                            served.incrementAndGet();
                            if (s.sessions() > 3) {
                                overfull.incrementAndGet();
                            }
                            held.add(s);
                        }
                        if (held.size() > 5 || (s == null && !held.isEmpty())) {
                            held.remove(0).release();
                        }
                    }
                    held.forEach(ServerState::release);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            th.start();
            all.add(th);
        }
        start.countDown();
        for (Thread th : all) {
            th.join();
        }
        assertThat(overfull.get()).isZero();
        assertThat(served.get()).isGreaterThan(threads * 10_000);
        assertThat(up.servers()).allSatisfy(s -> assertThat(s.sessions()).isZero());
    }
}

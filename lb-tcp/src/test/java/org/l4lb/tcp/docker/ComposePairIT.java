package org.l4lb.tcp.docker;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.model.Capability;
import com.github.dockerjava.api.model.Frame;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.l4lb.tcp.drill.Attempts;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.Network;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.images.builder.ImageFromDockerfile;

/**
 * The compose pair of docker/docker-compose.yml, drilled like docker/drill.sh: the images of
 * docker/Dockerfile, the same network (10.99.1.0/24, VIP 10.99.1.100), node1 preferred, three
 * backends and a client opening a connection to the VIP every 20 ms (the drill kit,
 * org.l4lb.drillkit), built from GenericContainers.
 * The master is SIGKILLed, then gracefully stopped; each time the High availability targets are
 * asserted, and again after the node is back and has taken the VIP back.
 *
 * <p>Needs a Docker engine and a base image: {@code L4LB_BASE_IMAGE} (default eclipse-temurin:17-jre;
 * .ci/run builds a local Debian one). Without Docker it is skipped, or fails with
 * {@code L4LB_REQUIRE_DOCKER=1}.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ComposePairIT {

    private static final String VIP = "10.99.1.100";
    private static final Duration SETTLE = Duration.ofSeconds(8);

    private static ComposeRun run;
    private static GenericContainer<?> node1;
    private static GenericContainer<?> node2;
    private static GenericContainer<?> client;

    @BeforeAll
    static void startThePair() {
        ComposeImages images = ComposeImages.build();
        run = new ComposeRun();
        Network network = run.network;
        for (String b : List.of("a", "b", "c")) {
            start(images.backend(network, b));
        }
        node1 = start(images.node(network, "10.99.1.11", "node1.conf"));
        node2 = start(images.node(network, "10.99.1.12", "node2.conf"));
        client = start(images.client(network, "10.99.1.31", VIP));
    }

    private static GenericContainer<?> start(GenericContainer<?> c) {
        return run.start(c);
    }

    @AfterAll
    static void stopEverything() {
        if (run != null) {
            run.close();
        }
    }

    private static DockerClient docker() {
        return DockerClientFactory.lazyClient();
    }

    private static boolean holdsVip(GenericContainer<?> node) {
        try {
            return node.execInContainer("ip", "-o", "-4", "addr", "show").getStdout().contains(" " + VIP + "/");
        } catch (Exception e) {
            return false; // stopped or gone
        }
    }

    private static String holders() {
        String h = (holdsVip(node1) ? "node1 " : "") + (holdsVip(node2) ? "node2" : "");
        return h.isBlank() ? "none" : h.trim();
    }

    private static List<Attempts.Attempt> attempts() {
        return Attempts.parse(client.getLogs().lines().toList());
    }

    private static void await(Supplier<Boolean> condition, Duration limit, String what) throws InterruptedException {
        long end = System.nanoTime() + limit.toNanos();
        while (!condition.get()) {
            if (System.nanoTime() > end) {
                Assertions.fail(what + " within " + limit.toSeconds() + " s; VIP on " + holders() + "\nnode1:\n"
                        + tail(node1) + "\nnode2:\n" + tail(node2));
            }
            // Not faster: each look costs the engine real work (an exec is about 0.2 s of CPU),
            // done outside the containers' share, where it starved the pair under test.
            Thread.sleep(500);
        }
    }

    /** The container's output since {@code fromMs} (to the second): a look that does not grow with the run. */
    private static String logsSince(GenericContainer<?> c, long fromMs) throws InterruptedException {
        StringBuilder out = new StringBuilder();
        docker().logContainerCmd(c.getContainerId()).withStdOut(true).withStdErr(true).withSince((int) (fromMs / 1000))
                .exec(new ResultCallback.Adapter<Frame>() {
                    @Override
                    public void onNext(Frame frame) {
                        out.append(new String(frame.getPayload(), StandardCharsets.UTF_8));
                    }
                }).awaitCompletion(10, TimeUnit.SECONDS);
        return out.toString();
    }

    /** node1 added the VIP and node2 let it go, both since {@code fromMs}, as their logs say. */
    private static boolean vipMovedBackSince(long fromMs) {
        try {
            return logsSince(node1, fromMs).contains("VIP " + VIP + "/24 added") && logsSince(node2, fromMs).contains("VIP " + VIP + "/24 removed");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static String tail(GenericContainer<?> c) {
        List<String> lines = c.getLogs().lines().toList();
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
    }

    /** The node's latest HA log line matching {@code regex}, or "". */
    private static String lastHa(List<String> log, String regex) {
        return log.stream().filter(l -> l.matches(".* HA: " + regex + ".*")).reduce((a, b) -> b).orElse("");
    }

    /** A formed pair: both in a view of two, node1 master, node2 backup, node1 alone holding the VIP. */
    private static boolean pairFormed() {
        String transition = "[A-Z]+ -> [A-Z]+ ";
        List<String> log1 = node1.getLogs().lines().toList();
        List<String> log2 = node2.getLogs().lines().toList();
        return lastHa(log1, "view ").contains("(2)") && lastHa(log2, "view ").contains("(2)")
                && lastHa(log1, transition).contains("-> MASTER") && lastHa(log2, transition).contains("-> BACKUP")
                && holders().equals("node1");
    }

    private static String haLines(GenericContainer<?> node) {
        return node.getLogs().lines().filter(l -> l.contains("HA:") || l.contains("VIP") || l.contains("health") || l.contains("handoff")
                || l.contains("warm-up"))
                .map(l -> "    " + l).reduce((a, b) -> a + "\n" + b).orElse("");
    }

    /** The pair is formed and the client gets through node1. */
    private static void awaitNode1Serving() throws InterruptedException {
        await(ComposePairIT::pairFormed, Duration.ofSeconds(60), "the pair formed, node1 master and alone holding the VIP");
        await(() -> {
            List<Attempts.Attempt> a = attempts();
            return !a.isEmpty() && a.get(a.size() - 1).ok() && a.get(a.size() - 1).detail().endsWith("via 10.99.1.11");
        }, Duration.ofSeconds(10), "the client served through node1");
        Thread.sleep(2000);
    }

    /** Faults node1 (the master), then brings it back; returns the windows of the fault and of the failback. */
    private static Attempts.Window[] drill(String label, Runnable fault, Runnable restore) throws Exception {
        awaitNode1Serving();
        long faultAt = System.currentTimeMillis();
        fault.run();
        Thread.sleep(SETTLE.toMillis());
        String during = holders();
        long restoreAt = System.currentTimeMillis();
        restore.run();
        await(() -> vipMovedBackSince(restoreAt), Duration.ofSeconds(30), "node1 took the VIP back and node2 let it go");
        await(() -> holders().equals("node1"), Duration.ofSeconds(5), "node1 back as the only VIP holder");
        Thread.sleep(SETTLE.toMillis());
        List<Attempts.Attempt> all = attempts();
        Attempts.Window out = Attempts.window(all, faultAt, restoreAt);
        Attempts.Window back = Attempts.window(all, restoreAt, Long.MAX_VALUE);
        System.out.printf("compose drill %-14s outage %4d ms, %d failed, VIP on %s | failback: %d failed, slowest %d ms, served %s%n"
                + "  fault at %tT.%<tL, restore at %tT.%<tL; node2 saw:%n%s%n  node1 (since its restart):%n%s%n"
                + "  failed attempts from the fault on:%n%s%n", label, out.outageMs(), out.failed(), during,
                back.failed(), Attempts.slowest(all, restoreAt, Long.MAX_VALUE), back.servedAfter(), faultAt, restoreAt, haLines(node2), haLines(node1), failures(all, faultAt));
        assertThat(during).as("VIP holder while node1 is down").isEqualTo("node2");
        assertThat(out.servedAfter()).as("served after the failover").endsWith("via 10.99.1.12");
        assertThat(back.failed()).as("connections failed while node1 took the VIP back%s",
                back.failed() == 0 ? "" : aroundFailures(all, restoreAt)).isZero();
        assertThat(back.servedAfter()).as("served after the failback").endsWith("via 10.99.1.11");
        return new Attempts.Window[] {out, back};
    }

    /** Every container's log lines from 1 s before the first failure since {@code from} to the last one's end. */
    private static String aroundFailures(List<Attempts.Attempt> all, long from) {
        List<Attempts.Attempt> failed = all.stream().filter(a -> !a.ok() && a.at() >= from).toList();
        long start = failed.get(0).at() - 1000;
        long end = failed.stream().mapToLong(Attempts.Attempt::end).max().orElse(start) + 200;
        StringBuilder out = new StringBuilder("\nevery process's lines from 1 s before the first failure:");
        for (GenericContainer<?> c : run.containers()) {
            out.append("\n  ").append(c.getDockerImageName()).append(' ').append(c.getContainerInfo().getNetworkSettings()
                    .getNetworks().values().iterator().next().getIpAddress()).append(':');
            c.getLogs().lines().filter(l -> within(l, start, end)).forEach(l -> out.append("\n    ").append(l));
        }
        return out.toString();
    }

    /** Whether the line begins with an ISO-8601 UTC time (the nodes' lines, or -Xlog's utctime) in [from, to]. */
    private static boolean within(String line, long from, long to) {
        String l = line.startsWith("[") ? line.substring(1) : line;
        if (l.length() < 23 || !l.substring(0, 4).chars().allMatch(Character::isDigit) || l.charAt(10) != 'T') {
            return false;
        }
        try {
            long t = LocalDateTime.parse(l.substring(0, 23)).toInstant(ZoneOffset.UTC).toEpochMilli();
            return t >= from && t <= to;
        } catch (DateTimeParseException e) {
            return false;
        }
    }

    private static String failures(List<Attempts.Attempt> all, long from) {
        return all.stream().filter(a -> !a.ok() && a.at() >= from)
                .map(a -> String.format("    %tT.%<tL-%tT.%<tL %s", a.at(), a.end(), a.detail()))
                .reduce((a, b) -> a + "\n" + b).orElse("    none");
    }

    @Test
    @Order(1)
    void sigkillOfTheMasterMovesTheVipWithinHalfASecond() throws Exception {
        String id = node1.getContainerId();
        Attempts.Window[] w = drill("SIGKILL", () -> docker().killContainerCmd(id).withSignal("KILL").exec(),
                () -> docker().startContainerCmd(id).exec());
        assertThat(w[0].outageMs()).as("outage after SIGKILL, ms").isLessThanOrEqualTo(500);
    }

    @Test
    @Order(2)
    void aGracefulStopOfTheMasterFailsNoConnection() throws Exception {
        String id = node1.getContainerId();
        CompletableFuture<?>[] stopping = new CompletableFuture<?>[1];
        Attempts.Window[] w = drill("graceful stop", () -> stopping[0] = CompletableFuture.runAsync(
                () -> docker().stopContainerCmd(id).withTimeout(40).exec()), () -> {
                    stopping[0].join();
                    docker().startContainerCmd(id).exec();
                });
        // Not even the one in its handshake when the client's ARP entry flips (the flow handoff).
        assertThat(w[0].failed()).as("connections failed by the graceful stop").isZero();
        assertThat(node1.getLogs()).as("node1 handed its connections off, not released the VIP at once")
                .contains("flow handoff ready").contains("HA: handing off");
        // Each node passed flows on once (node2 at the stop, node1 at the failback) and, with them,
        // dropped its closed sockets on the VIP: ss runs in the image with the capability it needs.
        for (GenericContainer<?> node : List.of(node1, node2)) {
            assertThat(node.getLogs()).as("the image's ss -K works").contains("flow handoff: passing flows")
                    .doesNotContain("cannot drop this node's closed sockets", "cannot list this node's closing sockets");
            // The unprivileged l4lb user lowers its HA threads' nice with the image's renice.
            assertThat(node.getLogs()).as("the HA threads took ha.nice").doesNotContain("keep the normal priority");
        }
    }
}

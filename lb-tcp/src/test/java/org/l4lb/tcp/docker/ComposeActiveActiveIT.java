package org.l4lb.tcp.docker;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.l4lb.tcp.drill.Attempts;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.Network;

/**
 * The compose pair as active/active (docker/docker-compose.active-active.yml, docker/conf/active-active):
 * node1 the preferred master of VIP a, node2 of VIP b, a client on each VIP. Both nodes serve their
 * own VIP; node1 killed (a dead host: its container's network goes with it), node2 serves both;
 * node1 started again takes VIP a back, a planned move that fails no connection, while b stays on
 * node2 all along.
 */
class ComposeActiveActiveIT {

    private static final String VIP_A = "10.99.1.100";
    private static final String VIP_B = "10.99.1.101";
    private static final Duration SETTLE = Duration.ofSeconds(8);

    private static ComposeRun run;
    private static GenericContainer<?> node1;
    private static GenericContainer<?> node2;
    private static GenericContainer<?> clientA;
    private static GenericContainer<?> clientB;

    @BeforeAll
    static void startThePair() {
        ComposeImages images = ComposeImages.build();
        run = new ComposeRun();
        Network network = run.network;
        for (String b : List.of("a", "b", "c")) {
            start(images.backend(network, b));
        }
        node1 = start(images.node(network, "10.99.1.11", "active-active/node1.conf"));
        node2 = start(images.node(network, "10.99.1.12", "active-active/node2.conf"));
        clientA = start(images.client(network, "10.99.1.31", VIP_A));
        clientB = start(images.client(network, "10.99.1.32", VIP_B));
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

    /** The VIPs the node has, whether it answers ARP for them or keeps them quietly while handing off. */
    private static String vipsOn(GenericContainer<?> node) {
        try {
            String out = node.execInContainer("ip", "-o", "-4", "addr", "show").getStdout();
            return (out.contains(" " + VIP_A + "/") ? "a" : "") + (out.contains(" " + VIP_B + "/") ? "b" : "");
        } catch (Exception e) {
            return "-"; // stopped or gone
        }
    }

    private static String holders() {
        return "node1 " + vipsOn(node1) + ", node2 " + vipsOn(node2);
    }

    private static List<Attempts.Attempt> attempts(GenericContainer<?> client) {
        return Attempts.parse(client.getLogs().lines().toList());
    }

    private static boolean lastServedBy(GenericContainer<?> client, String node) {
        List<Attempts.Attempt> a = attempts(client);
        return !a.isEmpty() && a.get(a.size() - 1).ok() && a.get(a.size() - 1).detail().endsWith("via " + node);
    }

    private static void await(BooleanSupplier condition, Duration limit, String what) throws InterruptedException {
        long end = System.nanoTime() + limit.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) {
                Assertions.fail(what + " within " + limit.toSeconds() + " s; " + holders() + "\nnode1:\n" + haLines(node1)
                        + "\nnode2:\n" + haLines(node2));
            }
            // Each look is an exec: the engine's work, outside the containers' share (as in ComposePairIT).
            Thread.sleep(500);
        }
    }

    private static String haLines(GenericContainer<?> node) {
        return node.getLogs().lines().filter(l -> l.contains("HA:") || l.contains("VIP") || l.contains("handoff") || l.contains("JOIN"))
                .map(l -> "    " + l).reduce((a, b) -> a + "\n" + b).orElse("");
    }

    @Test
    void eachVipHasItsOwnMasterAndTheOtherServesBothWhileOneIsDown() throws Exception {
        await(() -> vipsOn(node1).equals("a") && vipsOn(node2).equals("b"), Duration.ofSeconds(90),
                "node1 alone holds VIP a and node2 alone VIP b");
        await(() -> lastServedBy(clientA, "10.99.1.11") && lastServedBy(clientB, "10.99.1.12"), Duration.ofSeconds(20),
                "each client served by its VIP's master");
        Thread.sleep(2000);

        long killedAt = System.currentTimeMillis();
        DockerClientFactory.lazyClient().killContainerCmd(node1.getContainerId()).withSignal("KILL").exec();
        Thread.sleep(SETTLE.toMillis());
        String during = vipsOn(node2);
        long restoreAt = System.currentTimeMillis();
        DockerClientFactory.lazyClient().startContainerCmd(node1.getContainerId()).exec();
        // node1 warms its data path up before it joins; then it takes VIP a back, and node2 lets
        // it go once the connections it hands off have ended.
        await(() -> vipsOn(node1).equals("a") && vipsOn(node2).equals("b"), Duration.ofSeconds(90),
                "node1 took VIP a back and node2 kept b alone");
        Thread.sleep(SETTLE.toMillis());

        List<Attempts.Attempt> onA = attempts(clientA);
        List<Attempts.Attempt> onB = attempts(clientB);
        Attempts.Window outA = Attempts.window(onA, killedAt, restoreAt);
        Attempts.Window backA = Attempts.window(onA, restoreAt, Long.MAX_VALUE);
        List<Attempts.Attempt> failedB = Attempts.failedIn(onB, killedAt - 2000, Long.MAX_VALUE);
        System.out.printf("compose active/active: a: outage %d ms, %d failed, failback %d failed; b: %d failed of %d;"
                + " node2 held %s while node1 was down%n", outA.outageMs(), outA.failed(), backA.failed(), failedB.size(),
                onB.size(), during);
        failedB.forEach(f -> System.out.printf("  failed on b: kill%+d ms %s%n", f.at() - killedAt, f.detail()));
        Attempts.failedIn(onA, restoreAt, Long.MAX_VALUE)
                .forEach(f -> System.out.printf("  failed on a in the failback: restore%+d ms %s%n", f.at() - restoreAt, f.detail()));
        onB.stream().filter(a -> a.at() >= killedAt - 2000 && a.ok() && !a.detail().endsWith("via 10.99.1.12"))
                .forEach(a -> System.out.printf("  b served elsewhere: restore%+d ms %s%n", a.at() - restoreAt, a.detail()));
        try {
            check(onA, onB, outA, backA, failedB, during, killedAt);
        } catch (AssertionError e) {
            System.out.println("node1:\n" + haLines(node1) + "\nnode2:\n" + haLines(node2));
            throw e;
        }
    }

    private static void check(List<Attempts.Attempt> onA, List<Attempts.Attempt> onB, Attempts.Window outA,
            Attempts.Window backA, List<Attempts.Attempt> failedB, String during, long killedAt) {
        assertThat(during).as("VIPs on node2 while node1 is down").isEqualTo("ab");
        assertThat(outA.servedAfter()).as("a served after the failover").endsWith("via 10.99.1.12");
        assertThat(outA.outageMs()).as("a's outage after SIGKILL, ms").isLessThanOrEqualTo(500);
        assertThat(failedB).as("failed on b, whose master lived").isEmpty();
        assertThat(onB.stream().filter(a -> a.at() >= killedAt - 2000 && a.ok()).map(Attempts.Attempt::detail)
                .filter(d -> !d.endsWith("via 10.99.1.12")).toList()).as("b served by node2 alone").isEmpty();
        assertThat(backA.failed()).as("failed on a while node1 took it back").isZero();
        assertThat(backA.servedAfter()).as("a served by node1 again").endsWith("via 10.99.1.11");
    }
}

package org.l4lb.tcp.docker;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.dockerjava.api.model.Capability;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.Network;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.images.builder.ImageFromDockerfile;

/**
 * The compose pair's images (docker/Dockerfile: the node, and the drill kit's backends and
 * client) and its containers as docker/docker-compose.yml makes them, on the compose network
 * (10.99.1.0/24). Building skips the calling test where there is no Docker engine or base image,
 * or fails it with {@code L4LB_REQUIRE_DOCKER=1}.
 */
final class ComposeImages {

    static final Path ROOT = Path.of("").toAbsolutePath().getParent();

    private final String runtime;
    private final String tools;

    private ComposeImages(String runtime, String tools) {
        this.runtime = runtime;
        this.tools = tools;
    }

    static ComposeImages build() {
        if (!DockerClientFactory.instance().isDockerAvailable()) {
            skip("no Docker engine reachable: the compose drills need one");
        }
        Path jar = ROOT.resolve("lb-tcp/target/lb-tcp.jar");
        assertThat(jar).as("built by the package phase").exists();
        String base = System.getenv().getOrDefault("L4LB_BASE_IMAGE", "eclipse-temurin:17-jre");
        try {
            return new ComposeImages(image("runtime", base, jar).get(), image("drill", base, jar).get());
        } catch (RuntimeException e) {
            skip("cannot build docker/Dockerfile on " + base + " (set L4LB_BASE_IMAGE to a local Debian image): " + e);
            throw e;
        }
    }

    private static void skip(String why) {
        if ("1".equals(System.getenv("L4LB_REQUIRE_DOCKER"))) {
            Assertions.fail(why + " (L4LB_REQUIRE_DOCKER=1 makes this a failure)");
        }
        Assumptions.abort(why);
    }

    /** The compose network's subnet, on a network of the test's own. */
    static Network network() {
        return Network.builder().createNetworkCmdModifier(cmd -> cmd.withIpam(
                new com.github.dockerjava.api.model.Network.Ipam().withConfig(
                        new com.github.dockerjava.api.model.Network.Ipam.Config().withSubnet("10.99.1.0/24")))).build();
    }

    private static ImageFromDockerfile image(String target, String base, Path jar) {
        return new ImageFromDockerfile("l4lb-it-" + target, true)
                .withFileFromPath("Dockerfile", ROOT.resolve("docker/Dockerfile"))
                .withFileFromPath("lb-tcp/target/lb-tcp.jar", jar)
                .withFileFromPath("docker/conf", ROOT.resolve("docker/conf"))
                .withFileFromPath("docker/cds-archive.sh", ROOT.resolve("docker/cds-archive.sh"))
                .withFileFromPath("docker/drill", ROOT.resolve("docker/drill"))
                .withFileFromPath("lb-tcp/target/test-classes/org/l4lb/drillkit",
                        ROOT.resolve("lb-tcp/target/test-classes/org/l4lb/drillkit"))
                .withBuildArg("BASE_IMAGE", base)
                .withTarget(target);
    }

    @SuppressWarnings("resource") // the caller stops it
    private static GenericContainer<?> container(Network network, String image, String ip) {
        // Every JVM's collections and safepoints, stamped like the node's own lines, so that a
        // failed drill shows which process stood still (the java launcher appends these flags).
        return new GenericContainer<>(image).withNetwork(network)
                .withEnv("JDK_JAVA_OPTIONS", "-Xlog:gc,safepoint:stdout:utctime")
                .withCreateContainerCmdModifier(cmd -> {
                    cmd.withIpv4Address(ip);
                    cmd.getHostConfig().withCapDrop(Capability.ALL);
                });
    }

    /**
     * As in the compose file: only NET_ADMIN, NET_RAW and SYS_NICE, no forwarding, SIGTERM drains.
     *
     * @param conf the node's file under docker/conf/
     */
    GenericContainer<?> node(Network network, String ip, String conf) {
        return container(network, runtime, ip)
                .withEnv("L4LB_SECRET", "compose-pair-it-secret")
                .withCommand("/etc/l4lb/" + conf)
                .withCreateContainerCmdModifier(cmd -> cmd.getHostConfig().withCapAdd(Capability.NET_ADMIN, Capability.NET_RAW, Capability.SYS_NICE)
                        .withSysctls(Map.of("net.ipv4.ip_forward", "0", "net.ipv4.ip_unprivileged_port_start", "0",
                                "net.ipv4.conf.all.arp_announce", "2")))
                .waitingFor(Wait.forLogMessage(".* started: transport .*\\n", 1).withStartupTimeout(Duration.ofSeconds(60)));
    }

    /** backend-a, -b or -c, at 10.99.1.21 to .23. */
    GenericContainer<?> backend(Network network, String letter) {
        return container(network, tools, "10.99.1.2" + (letter.charAt(0) - 'a' + 1)).withEnv("BACKEND_NAME", "backend-" + letter)
                .withCommand("backend.sh");
    }

    /** The drill client: a new connection to {@code vip}:80 every 20 ms. */
    GenericContainer<?> client(Network network, String ip, String vip) {
        return container(network, tools, ip).withEnv("TARGET", vip + ":80").withCommand("client.sh");
    }
}

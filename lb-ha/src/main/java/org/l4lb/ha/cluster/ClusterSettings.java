package org.l4lb.ha.cluster;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;

/**
 * How a node joins its group.
 *
 * @param peers other nodes' endpoints (TCP + TCPPING); empty means UDP multicast discovery
 * @param secret shared secret; empty only with {@code insecure}
 */
public record ClusterSettings(String group, String nodeName, InetSocketAddress bind, List<InetSocketAddress> peers,
        String secret, Duration advertInterval) {

    public ClusterSettings {
        peers = List.copyOf(peers);
    }
}

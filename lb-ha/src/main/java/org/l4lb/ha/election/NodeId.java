package org.l4lb.ha.election;

import java.math.BigInteger;
import java.net.InetAddress;
import java.util.Comparator;

/**
 * A node as the election orders it: by its cluster address, higher wins a priority tie, as VRRP
 * compares primary IP addresses; the port breaks a tie between nodes on one host.
 */
public record NodeId(String text, BigInteger address, int port) implements Comparable<NodeId> {

    private static final Comparator<NodeId> ORDER =
            Comparator.comparing(NodeId::address).thenComparingInt(NodeId::port).thenComparing(NodeId::text);

    public static NodeId of(InetAddress address, int port) {
        String host = address.getHostAddress();
        String text = (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
        return new NodeId(text, new BigInteger(1, address.getAddress()), port);
    }

    @Override
    public int compareTo(NodeId o) {
        return ORDER.compare(this, o);
    }

    @Override
    public String toString() {
        return text;
    }
}

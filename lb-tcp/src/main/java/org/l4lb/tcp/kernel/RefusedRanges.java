package org.l4lb.tcp.kernel;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import org.l4lb.core.acl.AccessList;
import org.l4lb.core.acl.Cidr;

/**
 * A service's allow and deny networks as the IPv4 source ranges they refuse, disjoint and in
 * order: what an nftables interval set can hold. The most specific network decides in
 * {@link AccessList}, and an interval set cannot say that, so the address space is cut at every
 * network's edges and each piece takes the verdict of its first address (every address of a piece
 * lies in the same networks).
 */
final class RefusedRanges {

    private static final long SPACE = 1L << 32;

    private RefusedRanges() {
    }

    /** "10.0.0.0-10.0.0.4", "10.0.0.6-10.255.255.255": empty when the list refuses no IPv4 address. */
    static List<String> of(AccessList access) {
        if (access.allow().isEmpty() && access.deny().isEmpty()) {
            return List.of();
        }
        TreeSet<Long> edges = new TreeSet<>(List.of(0L, SPACE));
        for (List<Cidr> list : List.of(access.allow(), access.deny())) {
            for (Cidr c : list) {
                byte[] n = c.network();
                if (n.length == 4) {
                    long first = value(n);
                    edges.add(first);
                    edges.add(first + (1L << (32 - c.prefix())));
                }
            }
        }
        List<String> ranges = new ArrayList<>();
        long refusedFrom = -1;
        Long from = null;
        for (long edge : edges) {
            if (from != null) {
                boolean refused = !access.permits(bytes(from));
                if (refused && refusedFrom < 0) {
                    refusedFrom = from;
                } else if (!refused && refusedFrom >= 0) {
                    ranges.add(range(refusedFrom, from - 1));
                    refusedFrom = -1;
                }
            }
            from = edge;
        }
        if (refusedFrom >= 0) {
            ranges.add(range(refusedFrom, SPACE - 1));
        }
        return ranges;
    }

    private static String range(long first, long last) {
        return first == last ? text(first) : text(first) + "-" + text(last);
    }

    private static long value(byte[] a) {
        return ((a[0] & 0xffL) << 24) | ((a[1] & 0xffL) << 16) | ((a[2] & 0xffL) << 8) | (a[3] & 0xffL);
    }

    private static byte[] bytes(long v) {
        return new byte[] {(byte) (v >>> 24), (byte) (v >>> 16), (byte) (v >>> 8), (byte) v};
    }

    private static String text(long v) {
        return (v >>> 24) + "." + ((v >>> 16) & 0xff) + "." + ((v >>> 8) & 0xff) + "." + (v & 0xff);
    }
}

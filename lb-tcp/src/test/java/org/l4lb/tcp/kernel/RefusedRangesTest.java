package org.l4lb.tcp.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.l4lb.core.acl.AccessList;
import org.l4lb.core.acl.Cidr;

class RefusedRangesTest {

    private static AccessList acl(List<String> allow, List<String> deny) {
        return new AccessList(allow.stream().map(Cidr::parse).toList(), deny.stream().map(Cidr::parse).toList());
    }

    @Test
    void theMostSpecificNetworkDecidesEitherWayRound() {
        assertThat(RefusedRanges.of(acl(List.of("10.0.0.5"), List.of("10.0.0.0/8")))).as("a non-empty allow list refuses the rest")
                .containsExactly("0.0.0.0-10.0.0.4", "10.0.0.6-255.255.255.255");
        assertThat(RefusedRanges.of(acl(List.of(), List.of("10.0.0.0/8", "10.1.0.0/16"))))
                .containsExactly("10.0.0.0-10.255.255.255");
        assertThat(RefusedRanges.of(acl(List.of("10.0.0.0/8"), List.of("10.0.0.5"))))
                .containsExactly("0.0.0.0-9.255.255.255", "10.0.0.5", "11.0.0.0-255.255.255.255");
        assertThat(RefusedRanges.of(AccessList.ALLOW_ALL)).isEmpty();
        assertThat(RefusedRanges.of(acl(List.of("2001:db8::/32"), List.of()))).as("an IPv6-only allow list refuses all IPv4")
                .containsExactly("0.0.0.0-255.255.255.255");
    }

    @Test
    void everyAddressIsRefusedExactlyWhenTheAccessListRefusesIt() {
        Random random = new Random(7);
        for (int round = 0; round < 200; round++) {
            List<String> allow = new ArrayList<>();
            List<String> deny = new ArrayList<>();
            for (int i = random.nextInt(5); i > 0; i--) {
                (random.nextBoolean() ? allow : deny).add(network(random));
            }
            AccessList acl = acl(allow, deny);
            List<long[]> ranges = RefusedRanges.of(acl).stream().map(RefusedRangesTest::parse).toList();
            for (int i = 0; i < 1000; i++) {
                long a = random.nextInt(4) == 0 ? value(network(random).split("/")[0]) : random.nextLong() & 0xffffffffL;
                byte[] b = {(byte) (a >>> 24), (byte) (a >>> 16), (byte) (a >>> 8), (byte) a};
                boolean refused = ranges.stream().anyMatch(r -> r[0] <= a && a <= r[1]);
                assertThat(refused).as("%d.%d.%d.%d with allow %s deny %s", a >>> 24, (a >>> 16) & 255, (a >>> 8) & 255,
                        a & 255, allow, deny).isEqualTo(!acl.permits(b));
            }
        }
    }

    /** Small networks near one another, so they nest and overlap. */
    private static String network(Random random) {
        int prefix = 8 + random.nextInt(25);
        long v = (10L << 24) | (random.nextInt(4) << 16) | (random.nextInt(4) << 8) | random.nextInt(256);
        v &= prefix == 0 ? 0 : (0xffffffffL << (32 - prefix)) & 0xffffffffL;
        return (v >>> 24) + "." + ((v >>> 16) & 255) + "." + ((v >>> 8) & 255) + "." + (v & 255) + "/" + prefix;
    }

    private static long value(String dotted) {
        long v = 0;
        for (String part : dotted.split("\\.")) {
            v = (v << 8) | Long.parseLong(part);
        }
        return v;
    }

    private static long[] parse(String range) {
        String[] f = range.split("-");
        return new long[] {value(f[0]), value(f[f.length - 1])};
    }
}

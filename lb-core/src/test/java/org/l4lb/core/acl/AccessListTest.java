package org.l4lb.core.acl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

class AccessListTest {

    private static byte[] ip(String s) throws Exception {
        return InetAddress.getByName(s).getAddress();
    }

    private static AccessList acl(List<String> allow, List<String> deny) {
        return new AccessList(allow.stream().map(Cidr::parse).toList(), deny.stream().map(Cidr::parse).toList());
    }

    @Test
    void cidrMatchesOnPrefixBoundaries() throws Exception {
        Cidr net = Cidr.parse("10.1.2.128/25");
        assertThat(net.matches(ip("10.1.2.128"))).isTrue();
        assertThat(net.matches(ip("10.1.2.255"))).isTrue();
        assertThat(net.matches(ip("10.1.2.127"))).isFalse();
        assertThat(Cidr.parse("0.0.0.0/0").matches(ip("203.0.113.9"))).isTrue();
        assertThat(Cidr.parse("0.0.0.0/0").matches(ip("2001:db8::1"))).as("families never mix").isFalse();
        assertThat(Cidr.parse("2001:db8::/33").matches(ip("2001:db8:7fff::1"))).isTrue();
        assertThat(Cidr.parse("2001:db8::/33").matches(ip("2001:db8:8000::1"))).isFalse();
        assertThat(Cidr.parse("192.0.2.7").matches(ip("192.0.2.7"))).isTrue();
        assertThat(Cidr.parse("192.0.2.7").matches(ip("192.0.2.8"))).isFalse();
    }

    @Test
    void badCidrsAreRefusedWithAReason() {
        assertThatThrownBy(() -> Cidr.parse("10.0.0.0/-1")).hasMessageContaining("prefix length must be 0..32");
        assertThatThrownBy(() -> Cidr.parse("10.0.0/8")).hasMessageContaining("is not an IP address");
        assertThatThrownBy(() -> Cidr.parse("example.com/8")).hasMessageContaining("is not an IP address");
        assertThatThrownBy(() -> Cidr.parse("2001:db8::1/64")).hasMessageContaining("did you mean '2001:db8::/64'");
    }

    @Test
    void emptyListsAllowEveryone() throws Exception {
        assertThat(AccessList.ALLOW_ALL.permits(ip("198.51.100.1"))).isTrue();
    }

    @Test
    void denyListAloneRefusesOnlyItsNetworks() throws Exception {
        AccessList a = acl(List.of(), List.of("198.51.100.0/24"));
        assertThat(a.permits(ip("198.51.100.7"))).isFalse();
        assertThat(a.permits(ip("198.51.101.7"))).isTrue();
    }

    @Test
    void allowListAloneRefusesEveryoneElse() throws Exception {
        AccessList a = acl(List.of("10.0.0.0/8", "::1"), List.of());
        assertThat(a.permits(ip("10.9.9.9"))).isTrue();
        assertThat(a.permits(ip("::1"))).isTrue();
        assertThat(a.permits(ip("11.0.0.1"))).isFalse();
    }

    @Test
    void theMostSpecificRuleDecidesWhicheverListItIsIn() throws Exception {
        AccessList holeInDeny = acl(List.of("10.0.0.5"), List.of("10.0.0.0/8"));
        assertThat(holeInDeny.permits(ip("10.0.0.5"))).isTrue();
        assertThat(holeInDeny.permits(ip("10.0.0.6"))).isFalse();
        AccessList holeInAllow = acl(List.of("10.0.0.0/8"), List.of("10.0.0.5"));
        assertThat(holeInAllow.permits(ip("10.0.0.5"))).isFalse();
        assertThat(holeInAllow.permits(ip("10.0.0.6"))).isTrue();
        AccessList tie = acl(List.of("10.0.0.0/8"), List.of("10.0.0.0/8"));
        assertThat(tie.permits(ip("10.0.0.6"))).as("a tie goes to deny").isFalse();
    }
}

package org.l4lb.tcp.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.l4lb.core.config.HashKey;
import org.l4lb.core.config.HostPort;
import org.l4lb.core.config.NatMode;
import org.l4lb.core.config.Strategy;
import org.junit.jupiter.api.Test;

class KernelRulesetTest {

    private static final List<KernelRuleset.Target> TWO = List.of(new KernelRuleset.Target("10.0.0.1", 8080, 1),
            new KernelRuleset.Target("10.0.0.2", 8080, 3));

    @Test
    void roundRobinSendsByWeightRangesAndFullNatMasquerades() {
        String r = KernelRuleset.render(List.of(new KernelRuleset.Service("web", List.of(new HostPort("10.0.0.100", 80)),
                Strategy.ROUND_ROBIN, HashKey.SOURCE_IP, NatMode.FULL, TWO)));
        assertThat(r).startsWith("table ip l4lb\ndelete table ip l4lb\ntable netdev l4lb\ndelete table netdev l4lb\ntable ip l4lb {")
                .contains("ip daddr 10.0.0.100 tcp dport 80 dnat ip to numgen inc mod 4 map { 0 : 10.0.0.1 . 8080,"
                        + " 1-3 : 10.0.0.2 . 8080 } comment \"web\"")
                .contains("meta l4proto tcp ct status dnat ct original ip daddr 10.0.0.100 ct original proto-dst 80"
                        + " masquerade comment \"web\"");
    }

    @Test
    void hashesTheSourceAndDestinationNatLeavesTheSourceAlone() {
        String r = KernelRuleset.render(List.of(
                new KernelRuleset.Service("a", List.of(new HostPort("0.0.0.0", 81)), Strategy.IP_HASH, HashKey.SOURCE_IP,
                        NatMode.DESTINATION, TWO),
                new KernelRuleset.Service("b", List.of(new HostPort("10.0.0.100", 82)), Strategy.HASH,
                        HashKey.SOURCE_IP_PORT, NatMode.DESTINATION, TWO)));
        assertThat(r).contains("prerouting tcp dport 81 dnat ip to jhash ip saddr mod 4 seed 0x4c346c62 map {")
                .contains("tcp dport 82 dnat ip to jhash ip saddr . tcp sport mod 4 seed 0x4c346c62 map {")
                .doesNotContain("masquerade");
    }

    @Test
    void randomDrawsOverTheWeightRanges() {
        String r = KernelRuleset.render(List.of(new KernelRuleset.Service("web", List.of(new HostPort("10.0.0.100", 80)),
                Strategy.RANDOM, HashKey.SOURCE_IP, NatMode.FULL, TWO)));
        assertThat(r).contains("dnat ip to numgen random mod 4 map { 0 : 10.0.0.1 . 8080, 1-3 : 10.0.0.2 . 8080 }");
    }

    @Test
    void aServiceWithNoServerHasNoRule() {
        String r = KernelRuleset.render(List.of(new KernelRuleset.Service("web", List.of(new HostPort("10.0.0.100", 80)),
                Strategy.ROUND_ROBIN, HashKey.SOURCE_IP, NatMode.DESTINATION, List.of())));
        assertThat(r).doesNotContain("dnat");
    }

    @Test
    void persistenceRemembersEachClientsServerAndTheLimitsAndAccessListRefuseOnTheForwardHook() {
        List<KernelRuleset.Target> counted = List.of(new KernelRuleset.Target("10.0.0.1", 8080, 0, 5),
                new KernelRuleset.Target("10.0.0.2", 8080, 0, 0));
        String r = KernelRuleset.render(List.of(new KernelRuleset.Service("web", List.of(new HostPort("10.0.0.100", 80)),
                Strategy.ROUND_ROBIN, HashKey.SOURCE_IP, NatMode.FULL, TWO, 0, 0, counted, List.of("10.1.0.0-10.1.255.255"),
                new KernelRuleset.Persistence(300, 1000))));
        assertThat(r)
                .contains("map sticky_0 { type ipv4_addr : ipv4_addr . inet_service; flags dynamic,timeout; timeout 300s;"
                        + " size 1000; }")
                .contains("set refused_0 { type ipv4_addr; flags interval; elements = { 10.1.0.0-10.1.255.255 }; }")
                .contains("ip saddr @refused_0 reject with tcp reset")
                .contains("ip daddr 10.0.0.1 tcp dport 8080 ct count over 5 reject with tcp reset comment"
                        + " \"web: 10.0.0.1:8080 max-conns\"")
                .doesNotContain("10.0.0.2 tcp dport 8080 ct count")
                .contains("ip daddr . tcp dport @live_0 update @sticky_0 { ip saddr : ip daddr . tcp dport }")
                .contains("add element ip l4lb live_0 { 10.0.0.1 . 8080, 10.0.0.2 . 8080 }");
        // The remembered server first, the weights for a client not remembered.
        assertThat(r.indexOf("dnat ip to ip saddr map @sticky_0")).isPositive()
                .isLessThan(r.indexOf("dnat ip to numgen inc mod 4"));
        // The refusal before the remembering: a refused flow is not remembered.
        assertThat(r.indexOf("@refused_0 reject")).isLessThan(r.indexOf("update @sticky_0"));
    }

    @Test
    void theLimitsAreTheServicesWhateverListenAddressAFlowCameThrough() {
        List<KernelRuleset.Target> counted = List.of(new KernelRuleset.Target("10.0.0.1", 8080, 0, 5),
                new KernelRuleset.Target("10.0.0.2", 8080, 0, 0));
        String r = KernelRuleset.render(List.of(new KernelRuleset.Service("web",
                List.of(new HostPort("10.0.0.100", 80), new HostPort("10.0.0.101", 443)), Strategy.ROUND_ROBIN,
                HashKey.SOURCE_IP, NatMode.FULL, TWO, 10, 0, counted, List.of(), KernelRuleset.Persistence.NONE)));
        assertThat(r).contains("meta l4proto tcp ct state new ct status dnat ct original ip daddr 10.0.0.100"
                        + " ct original proto-dst 80 jump limits_0\n")
                .contains("ct original ip daddr 10.0.0.101 ct original proto-dst 443 jump limits_0\n")
                .contains("  chain limits_0 {\n    ct count over 10 reject with tcp reset comment \"web: max-connections\"\n"
                        + "    ip daddr 10.0.0.1 tcp dport 8080 ct count over 5 reject");
        // One rule of each, so one count each: ct count counts the flows its own rule saw.
        assertThat(r.split("ct count over 10", -1)).hasSize(2);
        assertThat(r.split("ct count over 5", -1)).hasSize(2);
        // Declared before the forward chain names it.
        assertThat(r.indexOf("chain limits_0")).isLessThan(r.indexOf("jump limits_0"));
    }

    @Test
    void aServiceWithNoLimitJumpsNowhere() {
        String r = KernelRuleset.render(List.of(new KernelRuleset.Service("web", List.of(new HostPort("10.0.0.100", 80)),
                Strategy.ROUND_ROBIN, HashKey.SOURCE_IP, NatMode.FULL, TWO)));
        assertThat(r).doesNotContain("limits_").doesNotContain("ct count");
    }

    @Test
    void directServerReturnRewritesTheFrameOnIngressAndLeavesTheIpTableAlone() {
        List<KernelRuleset.Target> macs = List.of(new KernelRuleset.Target("10.0.0.1", 80, 1, 0, "02:00:00:00:00:01"),
                new KernelRuleset.Target("10.0.0.2", 80, 3, 0, "02:00:00:00:00:02"));
        String r = KernelRuleset.render(List.of(new KernelRuleset.Service("dr", List.of(new HostPort("10.0.0.100", 80)),
                Strategy.HASH, HashKey.SOURCE_IP_PORT, NatMode.DSR, macs, 0, 0, List.of(), List.of("10.9.0.0-10.9.255.255"),
                KernelRuleset.Persistence.NONE, new KernelRuleset.Link("eth0", "02:00:00:00:00:ff"))));
        assertThat(r).contains("table netdev l4lb {\n  chain in_eth0 {\n    type filter hook ingress device \"eth0\" priority 0;")
                .contains("flush chain netdev l4lb in_eth0\n")
                .contains("add rule netdev l4lb in_eth0 ip daddr 10.0.0.100 tcp dport 80 ip saddr { 10.9.0.0-10.9.255.255 } drop")
                .contains("add rule netdev l4lb in_eth0 ip daddr 10.0.0.100 tcp dport 80 ether saddr set 02:00:00:00:00:ff"
                        + " ether daddr set jhash ip saddr . tcp sport mod 4 seed 0x4c346c62 map { 0 : 02:00:00:00:00:01,"
                        + " 1-3 : 02:00:00:00:00:02 } fwd to \"eth0\" comment \"dr\"")
                .doesNotContain("dnat").doesNotContain("masquerade").doesNotContain("count dr/");
    }
}

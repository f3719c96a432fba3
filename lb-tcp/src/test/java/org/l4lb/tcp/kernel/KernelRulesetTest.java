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
        assertThat(r).startsWith("table ip l4lb\ndelete table ip l4lb\ntable ip l4lb {")
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
        assertThat(r).contains("    tcp dport 81 dnat ip to jhash ip saddr mod 4 seed 0x4c346c62 map {")
                .contains("tcp dport 82 dnat ip to jhash ip saddr . tcp sport mod 4 seed 0x4c346c62 map {")
                .doesNotContain("masquerade");
    }

    @Test
    void aServiceWithNoServerHasNoRule() {
        String r = KernelRuleset.render(List.of(new KernelRuleset.Service("web", List.of(new HostPort("10.0.0.100", 80)),
                Strategy.ROUND_ROBIN, HashKey.SOURCE_IP, NatMode.DESTINATION, List.of())));
        assertThat(r).doesNotContain("dnat");
    }
}

package org.l4lb.tcp.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.l4lb.core.config.HashKey;
import org.l4lb.core.config.HostPort;
import org.l4lb.core.config.NatMode;
import org.l4lb.core.config.Strategy;

class StickyClientsTest {

    /** What nft 1.0.6 prints for {@code nft -j list map ip l4lb sticky_1}. */
    private static final String JSON = """
            {"nftables": [{"metainfo": {"version": "1.0.6", "release_name": "Lester Gooch #5", "json_schema_version": 1}},
            {"map": {"family": "ip", "name": "sticky_1", "table": "l4lb", "type": "ipv4_addr", "handle": 3,
            "map": "ipv4_addr . inet_service", "size": 100000, "flags": ["timeout"], "timeout": 300,
            "elem": [[{"elem": {"val": "10.99.8.1", "expires": 299}}, {"concat": ["10.99.6.21", 8080]}],
                     [{"elem": {"val": "10.99.8.2", "expires": 17}}, {"concat": ["10.99.6.22", 8080]}]]}}]}
            """;

    @Test
    void readsEachClientsServerAndTimeLeft() {
        assertThat(StickyClients.parse(JSON)).containsExactly(
                new StickyClients.Entry(1, "10.99.8.1", "10.99.6.21", 8080, 299),
                new StickyClients.Entry(1, "10.99.8.2", "10.99.6.22", 8080, 17));
    }

    @Test
    void forgetsTheClientsOfAServerThatLeftTheMap() {
        assertThat(StickyClients.forget(StickyClients.parse(JSON), Map.of(1, Set.of("10.99.6.22 . 8080"))))
                .containsExactly("delete element ip l4lb sticky_1 { 10.99.8.1 }");
    }

    @Test
    void aReplacedTableKeepsTheClientsByServiceNameWithTheTimeTheyHadLeft() {
        KernelRuleset.Service web = new KernelRuleset.Service("web", List.of(new HostPort("10.0.0.100", 80)),
                Strategy.ROUND_ROBIN, HashKey.SOURCE_IP, NatMode.FULL,
                List.of(new KernelRuleset.Target("10.99.6.21", 8080, 1), new KernelRuleset.Target("10.99.6.22", 8080, 1)),
                0, 0, List.of(), List.of(), new KernelRuleset.Persistence(60, 1000));
        KernelRuleset.Service other = new KernelRuleset.Service("other", List.of(new HostPort("10.0.0.100", 81)),
                Strategy.ROUND_ROBIN, HashKey.SOURCE_IP, NatMode.FULL, List.of());
        // "web" was the second service and is now the first; its timeout went down to 60 s.
        assertThat(StickyClients.carry(StickyClients.parse(JSON), List.of("other", "web"), List.of(web, other))).containsExactly(
                "add element ip l4lb sticky_0 { 10.99.8.1 timeout 60s expires 60s : 10.99.6.21 . 8080 }",
                "add element ip l4lb sticky_0 { 10.99.8.2 timeout 60s expires 17s : 10.99.6.22 . 8080 }");
    }
}

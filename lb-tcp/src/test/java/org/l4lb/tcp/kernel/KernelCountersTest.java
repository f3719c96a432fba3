package org.l4lb.tcp.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class KernelCountersTest {

    /** What nft 1.0.6 answers to {@code nft -j list chain ip l4lb count}, shortened to two rules. */
    private static final String LISTED = """
            {"nftables": [{"metainfo": {"version": "1.0.6", "json_schema_version": 1}},
             {"chain": {"family": "ip", "table": "l4lb", "name": "count", "handle": 3}},
             {"rule": {"family": "ip", "table": "l4lb", "chain": "count", "handle": 9,
               "comment": "count web/10.0.0.1:8080 >",
               "expr": [{"match": {"op": "==", "left": {"payload": {"protocol": "ip", "field": "daddr"}}, "right": "10.0.0.1"}},
                        {"counter": {"packets": 12, "bytes": 4711}}]}},
             {"rule": {"family": "ip", "table": "l4lb", "chain": "count", "handle": 11,
               "comment": "count web/10.0.0.1:8080 +",
               "expr": [{"counter": {"packets": 3, "bytes": 180}}]}},
             {"rule": {"family": "ip", "table": "l4lb", "chain": "count", "handle": 12, "comment": "someone else's",
               "expr": [{"counter": {"packets": 1, "bytes": 60}}]}}]}
            """;

    @Test
    void bytesForTheDirectionsAndPacketsForNewFlows() {
        assertThat(KernelCounters.parse(LISTED)).isEqualTo(Map.of("count web/10.0.0.1:8080 >", 4711L,
                "count web/10.0.0.1:8080 +", 3L));
        assertThat(KernelCounters.key("count web/10.0.0.1:8080 <"))
                .isEqualTo(new KernelCounters.Key("web", "10.0.0.1:8080", KernelRuleset.Counted.TO_CLIENT));
        assertThat(KernelCounters.key("someone else's")).isNull();
    }
}

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
    void eachCounterRulesPacketsAndBytesByItsComment() {
        assertThat(KernelCounters.parse(LISTED)).isEqualTo(Map.of("count web/10.0.0.1:8080 >", new KernelCounters.Count(12, 4711),
                "count web/10.0.0.1:8080 +", new KernelCounters.Count(3, 180)));
        assertThat(KernelCounters.key("count web/10.0.0.1:8080 <"))
                .isEqualTo(new KernelCounters.Key("web", "10.0.0.1:8080", KernelRuleset.Counted.TO_CLIENT));
        assertThat(KernelCounters.key("someone else's")).isNull();
    }

    @Test
    void theRulesOfAServicesListenAddressesAddUpUnderTheirOneComment() {
        String twoListeners = """
                {"nftables": [{"metainfo": {"version": "1.0.6", "json_schema_version": 1}},
                 {"rule": {"family": "ip", "table": "l4lb", "chain": "count", "handle": 9,
                   "comment": "count web/10.0.0.1:8080 +", "expr": [{"counter": {"packets": 3, "bytes": 180}}]}},
                 {"rule": {"family": "ip", "table": "l4lb", "chain": "count", "handle": 14,
                   "comment": "count web/10.0.0.1:8080 +", "expr": [{"counter": {"packets": 2, "bytes": 120}}]}}]}
                """;
        assertThat(KernelCounters.parse(twoListeners)).isEqualTo(Map.of("count web/10.0.0.1:8080 +", new KernelCounters.Count(5, 300)));
    }

    @Test
    void whatWasCountedSinceTheLastReadAndAllOfItWhenTheCounterStartedAgain() {
        KernelCounters.Count before = new KernelCounters.Count(10, 1000);
        assertThat(new KernelCounters.Count(15, 1600).since(before)).isEqualTo(new KernelCounters.Count(5, 600));
        assertThat(new KernelCounters.Count(4, 300).since(before)).as("a table replaced since").isEqualTo(new KernelCounters.Count(4, 300));
        assertThat(before.since(KernelCounters.Count.ZERO)).isEqualTo(before);
    }
}

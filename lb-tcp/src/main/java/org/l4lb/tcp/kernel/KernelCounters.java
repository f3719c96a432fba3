package org.l4lb.tcp.kernel;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.LinkedHashMap;
import java.util.Map;

/** Reads the count chain's counters from {@code nft -j}: packets and bytes by rule comment, summed over the rules that share one. */
final class KernelCounters {

    /** One counter rule's totals. */
    record Count(long packets, long bytes) {

        static final Count ZERO = new Count(0, 0);

        Count plus(Count other) {
            return new Count(packets + other.packets, bytes + other.bytes);
        }

        /** What was counted since {@code before}; all of it when the counter started again. */
        Count since(Count before) {
            return packets >= before.packets && bytes >= before.bytes
                    ? new Count(packets - before.packets, bytes - before.bytes) : this;
        }
    }

    /** A counter rule's comment, read back: "count SERVICE/ADDRESS:PORT MARK". */
    record Key(String service, String server, KernelRuleset.Counted kind) {
    }

    private KernelCounters() {
    }

    static Map<String, Count> parse(String json) {
        Map<String, Count> out = new LinkedHashMap<>();
        try {
            for (JsonNode item : new ObjectMapper().readTree(json).path("nftables")) {
                JsonNode rule = item.get("rule");
                if (rule == null || !rule.path("comment").asText().startsWith("count ")) {
                    continue;
                }
                String comment = rule.path("comment").asText();
                Key k = key(comment);
                for (JsonNode e : rule.path("expr")) {
                    JsonNode c = e.get("counter");
                    if (c != null && k != null) {
                        // A service with several listen addresses has a counter rule per address
                        // under one comment: the server's count is their sum.
                        out.merge(comment, new Count(c.path("packets").asLong(), c.path("bytes").asLong()), Count::plus);
                    }
                }
            }
        } catch (java.io.IOException e) {
            throw new IllegalStateException("nft -j answered what is not JSON: " + e.getMessage(), e);
        }
        return out;
    }

    /** Null for a comment that is not a counter's. */
    static Key key(String comment) {
        String[] f = comment.split(" ");
        if (f.length != 3 || !f[0].equals("count") || f[1].indexOf('/') < 0) {
            return null;
        }
        for (KernelRuleset.Counted c : KernelRuleset.Counted.values()) {
            if (c.mark.equals(f[2])) {
                int slash = f[1].indexOf('/');
                return new Key(f[1].substring(0, slash), f[1].substring(slash + 1), c);
            }
        }
        return null;
    }
}

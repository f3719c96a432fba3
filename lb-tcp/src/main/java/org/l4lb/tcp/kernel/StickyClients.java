package org.l4lb.tcp.kernel;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The clients the kernel remembers (persistence-timeout), read from the {@code sticky_N} maps:
 * which must go when their server stops taking flows, and which a whole-table replace carries
 * over so a reload forgets no one.
 */
final class StickyClients {

    /** One remembered client: its server and the seconds it has left. */
    record Entry(int service, String client, String address, int port, long expiresSeconds) {

        String server() {
            return address + " . " + port;
        }
    }

    private StickyClients() {
    }

    /** Every sticky map's entries in {@code nft -j list table|map} output. */
    static List<Entry> parse(String json) {
        List<Entry> out = new ArrayList<>();
        try {
            for (JsonNode item : new ObjectMapper().readTree(json).path("nftables")) {
                JsonNode map = item.get("map");
                if (map == null || !map.path("name").asText().startsWith("sticky_")) {
                    continue;
                }
                int service = Integer.parseInt(map.path("name").asText().substring("sticky_".length()));
                for (JsonNode e : map.path("elem")) {
                    JsonNode key = e.get(0);
                    JsonNode value = e.get(1).path("concat");
                    String client = key.has("elem") ? key.path("elem").path("val").asText() : key.asText();
                    long expires = key.path("elem").path("expires").asLong(0);
                    out.add(new Entry(service, client, value.get(0).asText(), value.get(1).asInt(), expires));
                }
            }
        } catch (java.io.IOException | RuntimeException e) {
            throw new IllegalStateException("cannot read the remembered clients from nft -j: " + e.getMessage(), e);
        }
        return out;
    }

    /** Commands that forget the clients whose server is not in {@code live} (its service's servers that take flows). */
    static List<String> forget(List<Entry> entries, Map<Integer, Set<String>> live) {
        List<String> out = new ArrayList<>();
        for (Entry e : entries) {
            Set<String> servers = live.get(e.service());
            if (servers != null && !servers.contains(e.server())) {
                out.add("delete element ip " + KernelRuleset.TABLE + " sticky_" + e.service() + " { " + e.client() + " }");
            }
        }
        return out;
    }

    /**
     * Commands that put {@code entries} of the old table into the new one, by service name (a
     * reload may reorder services): those whose service still remembers and whose server still
     * takes flows, each with the time it had left.
     */
    static List<String> carry(List<Entry> entries, List<String> oldNames, List<KernelRuleset.Service> now) {
        List<String> out = new ArrayList<>();
        for (Entry e : entries) {
            if (e.service() >= oldNames.size()) {
                continue;
            }
            for (int n = 0; n < now.size(); n++) {
                KernelRuleset.Service s = now.get(n);
                if (!s.name().equals(oldNames.get(e.service())) || !s.persistence().on()
                        || s.targets().stream().noneMatch(t -> t.element().equals(e.server()))) {
                    continue;
                }
                long left = Math.max(1, Math.min(e.expiresSeconds(), s.persistence().seconds()));
                out.add("add element ip " + KernelRuleset.TABLE + " sticky_" + n + " { " + e.client() + " timeout "
                        + s.persistence().seconds() + "s expires " + left + "s : " + e.server() + " }");
            }
        }
        return out;
    }
}

package org.l4lb.tcp.ctl;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/** GET /status as a table for a terminal: one row per server of every service. */
final class StatusTable {

    static final List<String> HEADER = List.of("SERVICE", "SERVER", "STATE", "WEIGHT", "SESSIONS", "HEALTH", "LAST CHANGE");

    private StatusTable() {
    }

    static String render(String statusJson) {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(statusJson);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<List<String>> rows = new ArrayList<>();
        rows.add(HEADER);
        for (JsonNode svc : root.path("services")) {
            for (JsonNode s : svc.path("servers")) {
                rows.add(List.of(svc.path("name").asText(), s.path("name").asText(),
                        s.path("state").asText() + (s.path("backup").asBoolean() ? " (backup)" : ""), weight(s),
                        s.path("activeSessions").asText() + "/" + s.path("totalSessions").asText(), health(s), lastChange(s)));
            }
        }
        StringBuilder b = new StringBuilder();
        JsonNode ha = root.path("ha");
        b.append("node ").append(root.path("node").asText()).append(", l4lb ").append(root.path("version").asText())
                .append(", ").append(root.path("openSessions").asText()).append(" open session(s)");
        if (!ha.isMissingNode() && !ha.isNull()) {
            b.append(", HA ").append(ha.path("state").asText()).append(" (priority ").append(ha.path("effectivePriority").asText())
                    .append(", master ").append(ha.path("master").asText("-")).append(')');
        }
        b.append('\n');
        int[] width = new int[HEADER.size()];
        for (List<String> r : rows) {
            for (int i = 0; i < r.size(); i++) {
                width[i] = Math.max(width[i], r.get(i).length());
            }
        }
        for (List<String> r : rows) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < r.size(); i++) {
                line.append(i == r.size() - 1 ? r.get(i) : pad(r.get(i), width[i] + 2));
            }
            b.append(line.toString().stripTrailing()).append('\n');
        }
        return b.toString();
    }

    /** configured/effective, and "-> target in Ns" while a ramp runs. */
    static String weight(JsonNode s) {
        String w = s.path("configuredWeight").asText() + "/" + s.path("effectiveWeight").asText();
        long left = s.path("rampLeftMs").asLong();
        if (left > 0) {
            w += " -> " + s.path("targetWeight").asText() + " in " + Math.max(1, (left + 999) / 1000) + "s";
        }
        return w;
    }

    private static String health(JsonNode s) {
        if (!s.path("healthUp").asBoolean()) {
            return "check failing";
        }
        if (!s.path("passiveUp").asBoolean()) {
            return "connects failing (" + s.path("passiveFails").asText() + ")";
        }
        return "ok";
    }

    private static String lastChange(JsonNode s) {
        if (s.path("lastChange").isNull() || s.path("lastChange").isMissingNode()) {
            return "-";
        }
        return s.path("lastChangeAt").asText() + " " + s.path("lastChange").asText() + " (" + s.path("lastChangeReason").asText() + ")";
    }

    private static String pad(String s, int n) {
        return s.length() >= n ? s : s + " ".repeat(n - s.length());
    }
}

package org.l4lb.core.runtime;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigSyntax;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.l4lb.core.upstream.AdminState;

/**
 * The runtime layer kept across restarts ({@code state-file}, HAProxy's {@code server-state-file}):
 * servers' runtime weights and admin states, and the servers added and removed at runtime. JSON,
 * replaced atomically (written beside, then renamed), so a crash leaves the old one or the new one.
 */
public final class StateFile {

    /** What a state file holds. Added servers keep their parameters as text, to be validated again on reading. */
    public record Content(List<SavedServer> servers, List<AddedEntry> added, List<RemovedEntry> removed) {
    }

    public record AddedEntry(String service, Map<String, String> params) {
    }

    /** @param fileEntry the file's entry for the server when it was removed, as text */
    public record RemovedEntry(String service, Map<String, String> fileEntry) {
    }

    private StateFile() {
    }

    public static void write(Path file, Content c) throws IOException {
        StringBuilder b = new StringBuilder("{\n  \"version\": 1,\n  \"servers\": [");
        String sep = "\n";
        for (SavedServer s : c.servers()) {
            b.append(sep).append("    {\"service\": ").append(quote(s.service())).append(", \"server\": ").append(quote(s.server()))
                    .append(", \"configured-weight\": ").append(s.configuredWeight()).append(", \"weight\": ").append(s.weight())
                    .append(", \"admin\": ").append(quote(s.admin().name().toLowerCase(Locale.ROOT))).append('}');
            sep = ",\n";
        }
        b.append("\n  ],\n  \"added\": [");
        sep = "\n";
        for (AddedEntry a : c.added()) {
            b.append(sep).append("    {\"service\": ").append(quote(a.service())).append(", \"params\": ").append(object(a.params())).append('}');
            sep = ",\n";
        }
        b.append("\n  ],\n  \"removed\": [");
        sep = "\n";
        for (RemovedEntry r : c.removed()) {
            b.append(sep).append("    {\"service\": ").append(quote(r.service())).append(", \"file-entry\": ").append(object(r.fileEntry()))
                    .append('}');
            sep = ",\n";
        }
        b.append("\n  ]\n}\n");
        Path dir = file.toAbsolutePath().getParent();
        Path tmp = Files.createTempFile(dir, "." + file.getFileName(), ".tmp");
        try {
            Files.writeString(tmp, b, StandardCharsets.UTF_8);
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /**
     * Reads a state file; an absent one is empty.
     *
     * @throws IOException when it cannot be read or is not a state file, with what is wrong
     */
    public static Content read(Path file) throws IOException {
        if (!Files.exists(file)) {
            return new Content(List.of(), List.of(), List.of());
        }
        try {
            Config c = ConfigFactory.parseFile(file.toFile(), ConfigParseOptions.defaults().setSyntax(ConfigSyntax.JSON)
                    .setAllowMissing(false));
            List<SavedServer> servers = new ArrayList<>();
            for (Config s : c.getConfigList("servers")) {
                servers.add(new SavedServer(s.getString("service"), s.getString("server"), s.getInt("configured-weight"),
                        s.getInt("weight"), AdminState.valueOf(s.getString("admin").toUpperCase(Locale.ROOT))));
            }
            List<AddedEntry> added = new ArrayList<>();
            for (Config a : c.getConfigList("added")) {
                added.add(new AddedEntry(a.getString("service"), strings(a.getConfig("params"))));
            }
            List<RemovedEntry> removed = new ArrayList<>();
            for (Config r : c.getConfigList("removed")) {
                removed.add(new RemovedEntry(r.getString("service"), strings(r.getConfig("file-entry"))));
            }
            return new Content(servers, added, removed);
        } catch (ConfigException | IllegalArgumentException e) {
            throw new IOException(file + ": not a state file l4lb can read: " + e.getMessage(), e);
        }
    }

    private static Map<String, String> strings(Config c) {
        Map<String, String> m = new HashMap<>();
        for (var e : c.root().entrySet()) {
            m.put(e.getKey(), String.valueOf(e.getValue().unwrapped()));
        }
        return m;
    }

    private static String object(Map<String, String> m) {
        StringBuilder b = new StringBuilder("{");
        String sep = "";
        for (var e : new java.util.TreeMap<>(m).entrySet()) {
            b.append(sep).append(quote(e.getKey())).append(": ").append(quote(e.getValue()));
            sep = ", ";
        }
        return b.append('}').toString();
    }

    private static String quote(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            switch (ch) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                default -> {
                    if (ch < 0x20) {
                        b.append(String.format("\\u%04x", (int) ch));
                    } else {
                        b.append(ch);
                    }
                }
            }
        }
        return b.append('"').toString();
    }
}

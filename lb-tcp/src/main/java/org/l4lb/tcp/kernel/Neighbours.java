package org.l4lb.tcp.kernel;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * What direct server return needs of the link layer: the interface a server is reached on, its
 * MAC address (from the neighbour table; a connect attempt makes the kernel resolve a missing
 * one) and the interface's own. Answers are kept {@link #KEEP_MS}, so the ruleset's 250 ms rounds
 * do not run {@code ip} each time.
 */
final class Neighbours {

    static final long KEEP_MS = 5_000;

    /** A server's interface and MAC address, and when they were read. */
    record Known(String device, String mac, long at) {
    }

    private final Map<String, Known> known = new HashMap<>();

    /** The interface {@code address} is reached on and its MAC there, or null when not (yet) known. */
    synchronized Known lookup(String address, int port) {
        long now = System.currentTimeMillis();
        Known k = known.get(address);
        if (k != null && now - k.at() < KEEP_MS) {
            return k.mac() == null ? null : k;
        }
        String device = device(address);
        String mac = device == null ? null : mac(address, device);
        if (device != null && mac == null) {
            resolve(address, port);
        }
        known.put(address, new Known(device, mac, mac == null ? now - KEEP_MS + 500 : now));
        return mac == null ? null : known.get(address);
    }

    /** The interface's own MAC address. */
    static String ownMac(String device) {
        try {
            return Files.readString(Path.of("/sys/class/net", device, "address")).trim();
        } catch (IOException e) {
            return null;
        }
    }

    /** The interface of a directly connected {@code address}; null when a gateway is on the way. */
    private static String device(String address) {
        JsonNode r = json("ip", "-j", "route", "get", address);
        if (r == null || !r.isArray() || r.isEmpty() || r.get(0).has("gateway")) {
            return null;
        }
        return r.get(0).path("dev").asText(null);
    }

    private static String mac(String address, String device) {
        JsonNode r = json("ip", "-j", "neigh", "show", "to", address, "dev", device);
        if (r == null || !r.isArray()) {
            return null;
        }
        for (JsonNode n : r) {
            String state = n.path("state").toString();
            if (n.hasNonNull("lladdr") && !state.contains("FAILED") && !state.contains("INCOMPLETE")) {
                return n.path("lladdr").asText();
            }
        }
        return null;
    }

    /** A connect attempt: the kernel resolves the address on the way (its outcome does not matter). */
    private static void resolve(String address, int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(address, port), 200);
        } catch (IOException e) {
            // Only the resolution was wanted.
        }
    }

    private static JsonNode json(String... cmd) {
        try {
            Process p = new ProcessBuilder(List.of(cmd)).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(5, TimeUnit.SECONDS) || p.exitValue() != 0) {
                return null;
            }
            return new ObjectMapper().readTree(out);
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }
}

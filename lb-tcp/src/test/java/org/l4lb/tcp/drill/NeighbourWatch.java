package org.l4lb.tcp.drill;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Records when the client's ARP entry for the VIP changes its MAC ({@code ip -ts monitor neigh} in
 * the client's namespace): the instants at which new packets start to reach another node.
 */
final class NeighbourWatch implements AutoCloseable {

    /** One change of the entry's MAC: when, and the node that owns the new MAC. */
    record Flip(long at, String to) {
    }

    private final Process process;
    private final Path out;
    private final String address;
    private final String before;

    private NeighbourWatch(Process process, Path out, String address, String before) {
        this.process = process;
        this.out = out;
        this.address = address;
        this.before = before;
    }

    static NeighbourWatch start(String ns, String address, Path dir) throws IOException {
        Path out = Files.createTempFile(dir, "neigh", ".out");
        String before = mac(Sh.run("ip", "-n", ns, "neigh", "show", address).out());
        Process p = new ProcessBuilder("ip", "-n", ns, "-ts", "monitor", "neigh").redirectErrorStream(true)
                .redirectOutput(out.toFile()).start();
        return new NeighbourWatch(p, out, address, before);
    }

    /** The flips so far, the MAC named by {@code owners} (MAC to node name) where known. */
    List<Flip> flips(Map<String, String> owners) throws IOException {
        List<Flip> flips = new ArrayList<>();
        String current = before;
        for (String line : Files.readAllLines(out)) {
            // [2026-11-22T07:09:36.798238] 10.99.0.100 dev eth0 lladdr 02:..:01 REACHABLE
            int close = line.indexOf(']');
            if (!line.startsWith("[") || close < 0 || !line.startsWith(address + " ", close + 2)) {
                continue;
            }
            String mac = mac(line);
            if (mac != null && !mac.equals(current)) {
                long at = LocalDateTime.parse(line.substring(1, close)).atZone(ZoneId.systemDefault())
                        .toInstant().toEpochMilli();
                flips.add(new Flip(at, owners.getOrDefault(mac, mac)));
                current = mac;
            }
        }
        return flips;
    }

    private static String mac(String neighLine) {
        String[] f = neighLine.trim().split("\\s+");
        for (int i = 0; i + 1 < f.length; i++) {
            if (f[i].equals("lladdr")) {
                return f[i + 1];
            }
        }
        return null;
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        process.waitFor(5, TimeUnit.SECONDS);
    }
}

package org.l4lb.tcp.drill;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * A drill client's connection attempts, one line each ({@code <epoch ms> OK <reply>} or
 * {@code <epoch ms> FAIL <why>}), and the outage they show around a fault. The netns drill's Java
 * client and the compose drill's shell client print the same lines.
 */
public final class Attempts {

    /**
     * Connections a planned VIP move (graceful stop, failback) may fail: the one whose handshake
     * is in flight when the client's ARP entry flips. Its next packet reaches the new master,
     * which has no such connection and resets it; no VIP move avoids that without shared
     * connection state. A drill client starts one attempt every 20 ms and each lasts a few ms.
     */
    public static final int IN_FLIGHT_AT_A_FLIP = 1;

    public record Attempt(long at, boolean ok, String detail) {
    }

    /** Last success before the window to first success after a failure in it, and the failures in it. */
    public record Window(long outageMs, int failed, String servedBefore, String servedAfter) {
    }

    private Attempts() {
    }

    public static List<Attempt> parse(List<String> lines) {
        List<Attempt> list = new ArrayList<>();
        for (String line : lines) {
            String[] f = line.trim().split(" ", 3);
            if (f.length >= 2 && !f[0].isEmpty() && f[0].chars().allMatch(Character::isDigit)) {
                list.add(new Attempt(Long.parseLong(f[0]), f[1].equals("OK"), f.length == 3 ? f[2] : ""));
            }
        }
        // A client whose attempts overlap prints them as they end: order them by start.
        list.sort(Comparator.comparingLong(Attempt::at));
        return list;
    }

    public static Window window(List<Attempt> attempts, long from, long to) {
        Attempt lastOk = null;
        Attempt firstOkAfter = null;
        int failed = 0;
        for (Attempt a : attempts) {
            if (a.at() < from) {
                if (a.ok()) {
                    lastOk = a;
                }
            } else if (a.at() <= to) {
                if (!a.ok()) {
                    failed++;
                } else if (firstOkAfter == null && failed > 0) {
                    firstOkAfter = a;
                }
            }
        }
        long outage = failed == 0 || lastOk == null || firstOkAfter == null ? 0 : firstOkAfter.at() - lastOk.at();
        String after = null;
        for (Attempt a : attempts) {
            if (a.at() >= from && a.at() <= to && a.ok()) {
                after = a.detail();
            }
        }
        return new Window(outage, failed, lastOk == null ? null : lastOk.detail(), after);
    }
}

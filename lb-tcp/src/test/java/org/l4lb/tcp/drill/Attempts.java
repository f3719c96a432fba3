package org.l4lb.tcp.drill;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * A drill client's connection attempts, one line each ({@code <start> [<end>] OK <reply>} or
 * {@code <start> [<end>] FAIL <why>}, epoch milliseconds), and the outage they show around a fault.
 * A client that does not print the end gives {@code at} for it.
 */
public final class Attempts {

    /** One connection attempt; {@code end} is {@code at} when the client did not say. */
    public record Attempt(long at, long end, boolean ok, String detail) {
    }

    /** Last success before the window to first success after a failure in it, and the failures in it. */
    public record Window(long outageMs, int failed, String servedBefore, String servedAfter) {
    }

    private Attempts() {
    }

    public static List<Attempt> parse(List<String> lines) {
        List<Attempt> list = new ArrayList<>();
        for (String line : lines) {
            String[] f = line.trim().split(" ", 4);
            if (f.length < 2 || !isNumber(f[0])) {
                continue;
            }
            long at = Long.parseLong(f[0]);
            if (isNumber(f[1])) {
                if (f.length >= 3) {
                    list.add(new Attempt(at, Long.parseLong(f[1]), f[2].equals("OK"), f.length == 4 ? f[3] : ""));
                }
            } else {
                String detail = f.length == 2 ? "" : f.length == 3 ? f[2] : f[2] + " " + f[3];
                list.add(new Attempt(at, at, f[1].equals("OK"), detail));
            }
        }
        // A client whose attempts overlap prints them as they end: order them by start.
        list.sort(Comparator.comparingLong(Attempt::at));
        return list;
    }

    private static boolean isNumber(String s) {
        return !s.isEmpty() && s.chars().allMatch(Character::isDigit);
    }

    /** The longest successful attempt started in [from, to], start to end, ms. */
    public static long slowest(List<Attempt> attempts, long from, long to) {
        return attempts.stream().filter(a -> a.at() >= from && a.at() <= to && a.ok()).mapToLong(a -> a.end() - a.at())
                .max().orElse(0);
    }

    /** The failed attempts started in [from, to]. */
    public static List<Attempt> failedIn(List<Attempt> attempts, long from, long to) {
        return attempts.stream().filter(a -> a.at() >= from && a.at() <= to && !a.ok()).toList();
    }

    /**
     * The outage among the attempts started in [from, to]: from the last success that started
     * before the first failure (in the window or before it) to the first success after that
     * failure; zero without a failure.
     */
    public static Window window(List<Attempt> attempts, long from, long to) {
        Attempt firstFailed = null;
        int failed = 0;
        for (Attempt a : attempts) {
            if (a.at() >= from && a.at() <= to && !a.ok()) {
                failed++;
                if (firstFailed == null) {
                    firstFailed = a;
                }
            }
        }
        Attempt lastOk = null;
        Attempt firstOkAfter = null;
        for (Attempt a : attempts) {
            if (!a.ok()) {
                continue;
            }
            if (a.at() < (firstFailed == null ? from : firstFailed.at())) {
                lastOk = a;
            } else if (firstFailed != null && firstOkAfter == null && a.at() <= to) {
                firstOkAfter = a;
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

package org.l4lb.core.net;

import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * Strict recognition of IP address literals. {@link InetAddress#getByName} would accept host
 * names and query DNS, which a config check must never do.
 */
public final class InetLiteral {

    private InetLiteral() {
    }

    public static boolean isIpv4(String s) {
        String[] parts = s.split("\\.", -1);
        if (parts.length != 4) {
            return false;
        }
        for (String p : parts) {
            if (p.isEmpty() || p.length() > 3 || !p.chars().allMatch(Character::isDigit)) {
                return false;
            }
            if (Integer.parseInt(p) > 255 || (p.length() > 1 && p.charAt(0) == '0')) {
                return false;
            }
        }
        return true;
    }

    public static boolean isIpv6(String s) {
        if (s.indexOf(':') < 0 || s.indexOf('%') >= 0) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!(Character.digit(c, 16) >= 0 || c == ':' || c == '.')) {
                return false;
            }
        }
        try {
            // With only hex digits, colons and dots this parses a literal and never resolves.
            InetAddress.getByName(s);
            return true;
        } catch (UnknownHostException e) {
            return false;
        }
    }

    /** Parses a literal known to be valid (see {@link #isIpv4}/{@link #isIpv6}) without DNS. */
    public static InetAddress parse(String s) {
        if (!isIpv4(s) && !isIpv6(s)) {
            throw new IllegalArgumentException("'" + s + "' is not an IP address");
        }
        try {
            return InetAddress.getByName(s);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("'" + s + "' is not an IP address", e);
        }
    }
}

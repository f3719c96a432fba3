package org.l4lb.core.config;

import org.l4lb.core.net.InetLiteral;

/**
 * A TCP endpoint as written in the configuration: {@code host:port}, {@code [v6]:port},
 * or a bare {@code port} (all IPv4 addresses, like nginx {@code listen 8080}).
 * The host stays unresolved here; the data plane resolves it when it starts.
 */
public record HostPort(String host, int port) {

    /** {@code host:port}, with brackets around an IPv6 literal. */
    public String text() {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }

    @Override
    public String toString() {
        return text();
    }

    /**
     * Parses an endpoint.
     *
     * @param allowBarePort whether {@code "8080"} alone means {@code 0.0.0.0:8080}
     * @throws IllegalArgumentException with a message fit for an operator
     */
    public static HostPort parse(String text, boolean allowBarePort) {
        String s = text.trim();
        if (s.isEmpty()) {
            throw new IllegalArgumentException("empty address; expected host:port");
        }
        if (allowBarePort && s.chars().allMatch(Character::isDigit)) {
            return new HostPort("0.0.0.0", port(s, text));
        }
        String host;
        String port;
        if (s.startsWith("[")) {
            int close = s.indexOf(']');
            if (close < 0 || close + 1 >= s.length() || s.charAt(close + 1) != ':') {
                throw new IllegalArgumentException("'" + text + "' is not [ipv6]:port");
            }
            host = s.substring(1, close);
            port = s.substring(close + 2);
            if (!InetLiteral.isIpv6(host)) {
                throw new IllegalArgumentException("'" + host + "' in '" + text + "' is not an IPv6 address");
            }
        } else {
            int colon = s.lastIndexOf(':');
            if (colon < 0) {
                throw new IllegalArgumentException("'" + text + "' has no port; expected host:port");
            }
            if (s.indexOf(':') != colon) {
                throw new IllegalArgumentException("'" + text + "' looks like an IPv6 address; write it as [addr]:port");
            }
            host = s.substring(0, colon);
            port = s.substring(colon + 1);
            if (host.isEmpty()) {
                throw new IllegalArgumentException("'" + text + "' has no host; expected host:port");
            }
            if (!InetLiteral.isIpv4(host) && !isHostName(host)) {
                throw new IllegalArgumentException("'" + host + "' in '" + text + "' is neither an IPv4 address nor a host name");
            }
        }
        return new HostPort(host, port(port, text));
    }

    private static int port(String digits, String text) {
        if (digits.isEmpty() || !digits.chars().allMatch(Character::isDigit) || digits.length() > 5) {
            throw new IllegalArgumentException("'" + text + "' has no valid port; expected 1..65535");
        }
        int p = Integer.parseInt(digits);
        if (p < 1 || p > 65535) {
            throw new IllegalArgumentException("port " + p + " in '" + text + "' is outside 1..65535");
        }
        return p;
    }

    private static boolean isHostName(String host) {
        if (host.length() > 253) {
            return false;
        }
        boolean allNumeric = true;
        for (String label : host.split("\\.", -1)) {
            if (label.isEmpty() || label.length() > 63 || label.startsWith("-") || label.endsWith("-")) {
                return false;
            }
            for (int i = 0; i < label.length(); i++) {
                char c = label.charAt(i);
                if (!(Character.isLetterOrDigit(c) && c < 128) && c != '-' && c != '_') {
                    return false;
                }
                if (!Character.isDigit(c)) {
                    allNumeric = false;
                }
            }
        }
        // "10.0.0.300" is a typo for an address, not a host name.
        return !allNumeric;
    }
}

package org.l4lb.core.acl;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import org.l4lb.core.net.InetLiteral;
import org.l4lb.core.net.AddressText;

/** An IPv4 or IPv6 network, {@code 10.0.0.0/8} or {@code 2001:db8::/32}; a bare address is a host route. */
public final class Cidr {

    private final byte[] network;
    private final int prefix;
    private final String text;

    private Cidr(byte[] network, int prefix, String text) {
        this.network = network;
        this.prefix = prefix;
        this.text = text;
    }

    /** @throws IllegalArgumentException with a message fit for an operator */
    public static Cidr parse(String text) {
        String s = text.trim();
        int slash = s.indexOf('/');
        String addr = slash < 0 ? s : s.substring(0, slash);
        if (!InetLiteral.isIpv4(addr) && !InetLiteral.isIpv6(addr)) {
            throw new IllegalArgumentException("'" + text + "' is not a CIDR: '" + addr + "' is not an IP address");
        }
        byte[] bytes = InetLiteral.parse(addr).getAddress();
        int max = bytes.length * 8;
        int prefix = max;
        if (slash >= 0) {
            String p = s.substring(slash + 1);
            if (p.isEmpty() || p.length() > 3 || !p.chars().allMatch(Character::isDigit)
                    || Integer.parseInt(p) > max) {
                throw new IllegalArgumentException(
                        "'" + text + "' is not a CIDR: prefix length must be 0.." + max);
            }
            prefix = Integer.parseInt(p);
        }
        for (int bit = prefix; bit < max; bit++) {
            if ((bytes[bit >> 3] & (0x80 >> (bit & 7))) != 0) {
                throw new IllegalArgumentException("'" + text + "' has host bits set beyond /" + prefix
                        + "; did you mean '" + masked(bytes, prefix) + "/" + prefix + "'?");
            }
        }
        return new Cidr(bytes, prefix, s);
    }

    /**
     * The network an interface address sits in: {@code 10.99.1.11/24} is {@code 10.99.1.0/24}. Unlike
     * {@link #parse}, host bits are the point here, not a mistake.
     */
    public static Cidr networkOf(String addressWithPrefix) {
        String s = addressWithPrefix.trim();
        int slash = s.indexOf('/');
        if (slash < 0) {
            return parse(s);
        }
        byte[] bytes = InetLiteral.parse(s.substring(0, slash)).getAddress();
        int prefix = Integer.parseInt(s.substring(slash + 1));
        return parse(masked(bytes, prefix) + "/" + prefix);
    }

    private static String masked(byte[] bytes, int prefix) {
        byte[] m = bytes.clone();
        for (int bit = prefix; bit < m.length * 8; bit++) {
            m[bit >> 3] &= (byte) ~(0x80 >> (bit & 7));
        }
        try {
            return AddressText.of(InetAddress.getByAddress(m));
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    public int prefix() {
        return prefix;
    }

    /** The network's address, host bits zero: 4 bytes for IPv4, 16 for IPv6. */
    public byte[] network() {
        return network.clone();
    }

    /** Whether {@code address} lies in this network; an IPv4 address never matches an IPv6 network. */
    public boolean matches(byte[] address) {
        if (address.length != network.length) {
            return false;
        }
        int full = prefix >> 3;
        for (int i = 0; i < full; i++) {
            if (address[i] != network[i]) {
                return false;
            }
        }
        int rest = prefix & 7;
        if (rest == 0) {
            return true;
        }
        int mask = (0xff << (8 - rest)) & 0xff;
        return (address[full] & mask) == (network[full] & mask);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Cidr c && c.prefix == prefix && Arrays.equals(c.network, network);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(network) + prefix;
    }

    @Override
    public String toString() {
        return text;
    }
}

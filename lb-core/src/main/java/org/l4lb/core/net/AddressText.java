package org.l4lb.core.net;

/**
 * Writes an address as nginx's {@code $remote_addr} text (ASCII, into a caller's buffer, no
 * allocation): dotted IPv4, and IPv6 the way {@code ngx_inet6_ntop} does it (lower-case hex, the
 * leftmost longest run of two or more zero groups as "::", an IPv4 tail for mapped and compatible
 * forms). The {@code hash} strategies hash this text, so it must match nginx byte for byte.
 */
public final class AddressText {

    private static final byte[] HEX = "0123456789abcdef".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    private AddressText() {
    }

    /** The address as nginx prints it: "10.1.2.3", "2001:db8::1", "::ffff:1.2.3.4". */
    public static String of(java.net.InetAddress address) {
        byte[] raw = address.getAddress();
        byte[] out = new byte[64];
        int n = write(raw, raw.length, 0, false, out);
        return new String(out, 0, n, java.nio.charset.StandardCharsets.US_ASCII);
    }

    /** @return the length written (at most 46 for an address, plus 6 for ":port") */
    public static int write(byte[] addr, int addrLen, int port, boolean withPort, byte[] out) {
        int n = addrLen == 4 ? ipv4(addr, 0, out, 0) : ipv6(addr, out);
        if (withPort) {
            out[n++] = ':';
            n = decimal(port, out, n);
        }
        return n;
    }

    public static int decimal(int value, byte[] out, int pos) {
        if (value == 0) {
            out[pos] = '0';
            return pos + 1;
        }
        int digits = 0;
        for (int v = value; v > 0; v /= 10) {
            digits++;
        }
        int end = pos + digits;
        for (int v = value, i = end - 1; v > 0; v /= 10, i--) {
            out[i] = (byte) ('0' + v % 10);
        }
        return end;
    }

    private static int ipv4(byte[] addr, int from, byte[] out, int pos) {
        for (int i = 0; i < 4; i++) {
            if (i > 0) {
                out[pos++] = '.';
            }
            pos = decimal(addr[from + i] & 0xff, out, pos);
        }
        return pos;
    }

    private static int ipv6(byte[] p, byte[] out) {
        int zero = -1;
        int last = -1;
        int max = 1;
        int run = 0;
        for (int i = 0; i < 16; i += 2) {
            if (p[i] != 0 || p[i + 1] != 0) {
                if (max < run) {
                    zero = last;
                    max = run;
                }
                run = 0;
                continue;
            }
            if (run++ == 0) {
                last = i;
            }
        }
        if (max < run) {
            zero = last;
            max = run;
        }
        int pos = 0;
        int n = 16;
        if (zero == 0) {
            if ((max == 5 && (p[10] & 0xff) == 0xff && (p[11] & 0xff) == 0xff)
                    || max == 6
                    || (max == 7 && p[14] != 0 && p[15] != 1)) {
                n = 12;
            }
            out[pos++] = ':';
        }
        for (int i = 0; i < n; i += 2) {
            if (i == zero) {
                out[pos++] = ':';
                i += (max - 1) * 2;
                continue;
            }
            pos = hex((p[i] & 0xff) << 8 | (p[i + 1] & 0xff), out, pos);
            if (i < 14) {
                out[pos++] = ':';
            }
        }
        if (n == 12) {
            pos = ipv4(p, 12, out, pos);
        }
        return pos;
    }

    private static int hex(int v, byte[] out, int pos) {
        boolean started = false;
        for (int shift = 12; shift >= 0; shift -= 4) {
            int d = (v >> shift) & 0xf;
            if (d != 0 || started || shift == 0) {
                out[pos++] = HEX[d];
                started = true;
            }
        }
        return pos;
    }
}

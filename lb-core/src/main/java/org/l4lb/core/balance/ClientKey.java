package org.l4lb.core.balance;

/** A client address as a map key: two longs, so lookups need no allocation. */
final class ClientKey {

    private long high;
    private long low;
    private int length;

    void set(byte[] address, int len) {
        long h = 0;
        long l = 0;
        for (int i = 0; i < len; i++) {
            if (i < 8) {
                h = h << 8 | (address[i] & 0xff);
            } else {
                l = l << 8 | (address[i] & 0xff);
            }
        }
        high = h;
        low = l;
        length = len;
    }

    /** The address bytes it was set from. */
    byte[] bytes() {
        byte[] out = new byte[length];
        for (int i = length - 1; i >= 0; i--) {
            if (i < 8) {
                out[i] = (byte) (high >>> (8 * (Math.min(length, 8) - 1 - i)));
            } else {
                out[i] = (byte) (low >>> (8 * (length - 1 - i)));
            }
        }
        return out;
    }

    ClientKey copy() {
        ClientKey k = new ClientKey();
        k.high = high;
        k.low = low;
        k.length = length;
        return k;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ClientKey k && k.high == high && k.low == low && k.length == length;
    }

    @Override
    public int hashCode() {
        long x = high * 0x9E3779B97F4A7C15L ^ low * 0xC2B2AE3D27D4EB4FL ^ length;
        return (int) (x ^ (x >>> 32));
    }
}

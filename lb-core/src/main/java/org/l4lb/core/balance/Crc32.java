package org.l4lb.core.balance;

/**
 * CRC-32 (IEEE, as zlib and nginx's {@code ngx_crc32}) over byte ranges, as plain int state so the
 * hash strategies can extend a partial CRC (nginx's ketama does) without allocating per pick.
 */
final class Crc32 {

    private static final int[] TABLE = new int[256];

    static {
        for (int n = 0; n < 256; n++) {
            int c = n;
            for (int k = 0; k < 8; k++) {
                c = (c & 1) != 0 ? 0xEDB88320 ^ (c >>> 1) : c >>> 1;
            }
            TABLE[n] = c;
        }
    }

    static final int INIT = 0xFFFFFFFF;

    private Crc32() {
    }

    static int update(int crc, byte[] data, int off, int len) {
        int c = crc;
        for (int i = off; i < off + len; i++) {
            c = TABLE[(c ^ data[i]) & 0xff] ^ (c >>> 8);
        }
        return c;
    }

    static int updateByte(int crc, int b) {
        return TABLE[(crc ^ b) & 0xff] ^ (crc >>> 8);
    }

    static int finish(int crc) {
        return ~crc;
    }

    static int of(byte[] data, int off, int len) {
        return finish(update(INIT, data, off, len));
    }
}

package org.l4lb.core.balance;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * nginx's consistent-hash ring ({@code ngx_http_upstream_init_chash}), compatible with
 * Cache::Memcached::Fast: for each server, weight x 160 points; point k = crc32(HOST "\0" PORT
 * LE32(point k-1)), starting from 0, where HOST and PORT split the server's name at its last ':'
 * (a {@code unix:} server is all host). Points are sorted and duplicates dropped.
 */
final class KetamaRing {

    static final int POINTS_PER_WEIGHT = 160;

    private final int[] hashes;
    private final int[] servers;

    KetamaRing(Pool pool) {
        int total = 0;
        for (int i = 0; i < pool.size(); i++) {
            total += pool.get(i).weight() * POINTS_PER_WEIGHT;
        }
        long[] points = new long[total];
        int n = 0;
        byte[] prev = new byte[4];
        for (int i = 0; i < pool.size(); i++) {
            int base = baseCrc(pool.get(i).name());
            int h = 0;
            for (int j = 0; j < pool.get(i).weight() * POINTS_PER_WEIGHT; j++) {
                prev[0] = (byte) h;
                prev[1] = (byte) (h >>> 8);
                prev[2] = (byte) (h >>> 16);
                prev[3] = (byte) (h >>> 24);
                h = Crc32.finish(Crc32.update(base, prev, 0, 4));
                // hash in the high half with its sign bit flipped, so signed long order is the
                // unsigned order of the hash; server index in the low half
                points[n++] = ((long) (h ^ Integer.MIN_VALUE) << 32) | i;
            }
        }
        Arrays.sort(points);
        int[] hs = new int[n];
        int[] ss = new int[n];
        int m = 0;
        for (int k = 0; k < n; k++) {
            int h = (int) (points[k] >>> 32) ^ Integer.MIN_VALUE;
            if (m > 0 && hs[m - 1] == h) {
                continue;
            }
            hs[m] = h;
            ss[m] = (int) points[k];
            m++;
        }
        hashes = Arrays.copyOf(hs, m);
        servers = Arrays.copyOf(ss, m);
    }

    private static int baseCrc(String name) {
        byte[] s = name.getBytes(StandardCharsets.UTF_8);
        int hostEnd = s.length;
        int portStart = s.length;
        if (name.regionMatches(true, 0, "unix:", 0, 5)) {
            int crc = Crc32.update(Crc32.INIT, s, 5, s.length - 5);
            return Crc32.updateByte(crc, 0);
        }
        for (int j = 0; j < s.length; j++) {
            byte c = s[s.length - j - 1];
            if (c == ':') {
                hostEnd = s.length - j - 1;
                portStart = s.length - j;
                break;
            }
            if (c < '0' || c > '9') {
                break;
            }
        }
        int crc = Crc32.update(Crc32.INIT, s, 0, hostEnd);
        crc = Crc32.updateByte(crc, 0);
        return Crc32.update(crc, s, portStart, s.length - portStart);
    }

    int size() {
        return hashes.length;
    }

    /** Index of the first point whose hash is >= {@code hash} (unsigned); may be {@link #size()}. */
    int find(int hash) {
        int i = 0;
        int j = hashes.length;
        while (i < j) {
            int k = (i + j) >>> 1;
            int cmp = Integer.compareUnsigned(hash, hashes[k]);
            if (cmp > 0) {
                i = k + 1;
            } else if (cmp < 0) {
                j = k;
            } else {
                return k;
            }
        }
        return i;
    }

    int hashAt(int position) {
        return hashes[position];
    }

    int serverAt(int position) {
        return servers[position % servers.length];
    }
}

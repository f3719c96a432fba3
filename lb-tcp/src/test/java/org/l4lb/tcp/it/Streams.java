package org.l4lb.tcp.it;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.SplittableRandom;

/** Seeded random byte streams and their SHA-256, so both ends can check every byte. */
final class Streams {

    private Streams() {
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Writes {@code size} bytes of the stream {@code seed} and returns their SHA-256. */
    static byte[] write(OutputStream out, long seed, long size) throws IOException {
        SplittableRandom random = new SplittableRandom(seed);
        MessageDigest md = sha256();
        byte[] buf = new byte[64 * 1024];
        for (long left = size; left > 0; ) {
            int n = (int) Math.min(buf.length, left);
            random.nextBytes(buf);
            md.update(buf, 0, n);
            out.write(buf, 0, n);
            left -= n;
        }
        out.flush();
        return md.digest();
    }

    /** The SHA-256 of the stream {@code seed} without writing it. */
    static byte[] expected(long seed, long size) throws IOException {
        return write(OutputStream.nullOutputStream(), seed, size);
    }

    record Read(long bytes, byte[] sha256) {
    }

    /** Reads to EOF, or {@code limit} bytes. */
    static Read read(InputStream in, long limit) throws IOException {
        MessageDigest md = sha256();
        byte[] buf = new byte[64 * 1024];
        long total = 0;
        while (total < limit) {
            int n = in.read(buf, 0, (int) Math.min(buf.length, limit - total));
            if (n < 0) {
                break;
            }
            md.update(buf, 0, n);
            total += n;
        }
        return new Read(total, md.digest());
    }
}

package org.l4lb.ha.cluster;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import org.jgroups.Message;
import org.jgroups.auth.AuthToken;

/**
 * JGroups AUTH token proving knowledge of the shared secret: a SHA-256 of it, which only travels
 * inside SYM_ENCRYPT's encryption (keyed by the same secret). A node without the secret cannot
 * decrypt the cluster's traffic nor pass AUTH, so it cannot join, be elected, or move the VIP.
 */
public final class SecretToken extends AuthToken {

    private byte[] digest = new byte[0];

    /** For JGroups, which creates tokens it receives by reflection. */
    public SecretToken() {
    }

    public SecretToken(String secret) {
        this.digest = digest(secret);
    }

    static byte[] digest(String secret) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(("l4lb-auth\0" + secret).getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public String getName() {
        return SecretToken.class.getName();
    }

    @Override
    public int size() {
        return 4 + digest.length;
    }

    @Override
    public boolean authenticate(AuthToken token, Message msg) {
        return token instanceof SecretToken other && digest.length > 0 && MessageDigest.isEqual(digest, other.digest);
    }

    @Override
    public void writeTo(DataOutput out) throws IOException {
        out.writeInt(digest.length);
        out.write(digest);
    }

    @Override
    public void readFrom(DataInput in) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > 64) {
            throw new IOException("bad token length " + n);
        }
        digest = new byte[n];
        in.readFully(digest);
    }
}

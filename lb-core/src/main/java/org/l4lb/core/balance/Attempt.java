package org.l4lb.core.balance;

import org.l4lb.core.net.AddressText;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.Arrays;
import org.l4lb.core.config.HashKey;

/**
 * The state of picking servers for one client session: who the client is, which servers were
 * tried, and each strategy's carry-over between retries (nginx keeps the same per request, so a
 * retry continues the hash sequence where the failed try left it). One per session; reusable.
 */
public final class Attempt {

    final byte[] address = new byte[16];
    int addressLength;
    int port;
    private final long[] tried;
    private int picks;

    // ip-hash: nginx iphp->hash and iphp->tries
    int ipHash;
    int ipHashTries;
    // hash: nginx hp->hash (uint32), hp->rehash, hp->tries; chash: the ring position
    long hash;
    int rehash;
    int hashTries;
    int ringPosition;
    // the key text of the hash strategies, written once per session
    final byte[] keyText = new byte[64];
    int keyLength = -1;
    final byte[] scratch = new byte[12];
    /** The persistence table's lookup key for this client, rewritten in place. */
    final ClientKey clientKey = new ClientKey();

    /** @param servers number of servers of the upstream (primaries and backups) */
    public Attempt(int servers) {
        this.tried = new long[Math.max(1, (servers + 63) >>> 6)];
    }

    /** Starts over for a new client. */
    public Attempt reset(InetAddress client, int clientPort) {
        if (client instanceof Inet4Address) {
            // hashCode() of an Inet4Address is its address: no copy of the bytes.
            int a = client.hashCode();
            address[0] = (byte) (a >>> 24);
            address[1] = (byte) (a >>> 16);
            address[2] = (byte) (a >>> 8);
            address[3] = (byte) a;
            addressLength = 4;
        } else {
            byte[] b = client.getAddress();
            System.arraycopy(b, 0, address, 0, b.length);
            addressLength = b.length;
        }
        return start(clientPort);
    }

    /** Starts over for a new client given as 4 or 16 address bytes. */
    public Attempt reset(byte[] clientAddress, int clientPort) {
        if (clientAddress.length != 4 && clientAddress.length != 16) {
            throw new IllegalArgumentException("an address has 4 or 16 bytes, not " + clientAddress.length);
        }
        System.arraycopy(clientAddress, 0, address, 0, clientAddress.length);
        addressLength = clientAddress.length;
        return start(clientPort);
    }

    private Attempt start(int clientPort) {
        this.port = clientPort;
        Arrays.fill(tried, 0L);
        picks = 0;
        ipHash = 89;
        ipHashTries = 0;
        hash = 0;
        rehash = 0;
        hashTries = 0;
        ringPosition = -1;
        keyLength = -1;
        clientKey.set(address, addressLength);
        return this;
    }

    public boolean tried(int index) {
        return (tried[index >>> 6] & (1L << index)) != 0;
    }

    public void markTried(int index) {
        tried[index >>> 6] |= 1L << index;
        picks++;
    }

    /** Servers handed out so far for this session (nginx counts these against proxy_next_upstream_tries). */
    public int picks() {
        return picks;
    }

    /** The client address, 4 or 16 bytes (a copy). */
    public byte[] clientAddress() {
        return Arrays.copyOf(address, addressLength);
    }

    int key(HashKey key) {
        if (keyLength < 0) {
            keyLength = AddressText.write(address, addressLength, port, key == HashKey.SOURCE_IP_PORT, keyText);
        }
        return keyLength;
    }
}

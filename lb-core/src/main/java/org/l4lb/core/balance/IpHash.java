package org.l4lb.core.balance;

/**
 * nginx {@code ip_hash} ({@code ngx_http_upstream_get_ip_hash_peer}), step for step, so a client
 * lands on the server nginx would give it: h = 89; for each of the first three octets of an IPv4
 * address (all 16 bytes of IPv6) h = (h * 113 + byte) % 6271; walk the configured weights with
 * h % total; an ineligible pick hashes again from h; after 20 tries, round robin.
 */
final class IpHash extends WeightWalk {

    IpHash(Pool pool) {
        super(pool);
    }

    @Override
    public int pick(Attempt a, long now) {
        WeightTable table = weights();
        if (a.ipHashTries > 20 || pool.size() < 2 || table.total() == 0) {
            return roundRobin(a, now);
        }
        int len = a.addressLength == 4 ? 3 : 16;
        int h = a.ipHash;
        while (true) {
            for (int i = 0; i < len; i++) {
                h = (h * 113 + (a.address[i] & 0xff)) % 6271;
            }
            int p = table.serverAt(h % table.total());
            if (pool.candidate(a, p, now)) {
                a.ipHash = h;
                return p;
            }
            if (++a.ipHashTries > 20) {
                return roundRobin(a, now);
            }
        }
    }
}

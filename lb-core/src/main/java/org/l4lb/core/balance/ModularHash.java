package org.l4lb.core.balance;

import org.l4lb.core.net.AddressText;

import org.l4lb.core.config.HashKey;

/**
 * nginx {@code hash KEY} without {@code consistent} ({@code ngx_http_upstream_get_hash_peer}),
 * compatible with Cache::Memcached: h += (crc32([REHASH] KEY) >> 16) & 0x7fff, REHASH omitted on
 * the first round; walk the configured weights with h % total; after 20 tries, round robin.
 */
final class ModularHash extends WeightWalk {

    private final HashKey key;

    ModularHash(Pool pool, HashKey key) {
        super(pool);
        this.key = key;
    }

    @Override
    public int pick(Attempt a, long now) {
        WeightTable table = weights();
        if (a.hashTries > 20 || pool.size() < 2 || table.total() == 0) {
            return roundRobin(a, now);
        }
        int keyLength = a.key(key);
        while (true) {
            int crc = Crc32.INIT;
            if (a.rehash > 0) {
                int n = AddressText.decimal(a.rehash, a.scratch, 0);
                crc = Crc32.update(crc, a.scratch, 0, n);
            }
            crc = Crc32.finish(Crc32.update(crc, a.keyText, 0, keyLength));
            a.hash = (a.hash + ((crc >>> 16) & 0x7fff)) & 0xFFFFFFFFL;
            a.rehash++;
            int p = table.serverAt(a.hash % table.total());
            if (pool.candidate(a, p, now)) {
                return p;
            }
            if (++a.hashTries > 20) {
                return roundRobin(a, now);
            }
        }
    }
}

package org.l4lb.core.balance;

/**
 * The servers one balancer chooses among, and where their bits sit in an {@link Attempt}'s
 * tried set (backups follow the primaries).
 */
record Pool(Candidate[] servers, int base) {

    int size() {
        return servers.length;
    }

    Candidate get(int i) {
        return servers[i];
    }

    /** Not tried by this attempt and may take a new session. */
    boolean candidate(Attempt a, int i, long now) {
        return !a.tried(base + i) && servers[i].eligible(now);
    }
}

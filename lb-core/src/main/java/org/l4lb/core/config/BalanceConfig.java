package org.l4lb.core.config;

import java.time.Duration;

/**
 * How a service picks servers.
 *
 * @param persistenceTimeout a client stays on its server while it comes back within this; zero is off
 * @param persistenceMaxEntries bound of the persistence table; the least recently seen client goes first
 */
public record BalanceConfig(
        Strategy strategy,
        HashKey hashKey,
        boolean consistent,
        Duration persistenceTimeout,
        int persistenceMaxEntries) {
}

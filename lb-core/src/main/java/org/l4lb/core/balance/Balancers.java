package org.l4lb.core.balance;

import org.l4lb.core.config.BalanceConfig;

/** Builds the strategy a service's config names. */
public final class Balancers {

    private Balancers() {
    }

    /**
     * @param servers the pool, in declared order
     * @param base where the pool's servers start in an {@link Attempt}'s tried set
     */
    public static Balancer create(BalanceConfig config, Candidate[] servers, int base) {
        Pool pool = new Pool(servers.clone(), base);
        return switch (config.strategy()) {
            case ROUND_ROBIN -> new RoundRobin(pool);
            case LEAST_CONN -> new LeastConn(pool);
            case IP_HASH -> new IpHash(pool);
            case HASH -> config.consistent() ? new ConsistentHash(pool, config.hashKey()) : new ModularHash(pool, config.hashKey());
            case RANDOM -> new WeightedRandom(pool);
            case RANDOM_TWO -> new RandomTwo(pool);
            case FIRST -> new First(pool);
        };
    }
}

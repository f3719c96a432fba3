package org.l4lb.core.config;

/** Load-balancing strategies, named as in config files. */
public enum Strategy implements Named {
    /** nginx smooth weighted round robin (the nginx default). */
    ROUND_ROBIN("round-robin"),
    /** nginx {@code least_conn}. */
    LEAST_CONN("least-conn"),
    /** nginx {@code ip_hash}. */
    IP_HASH("ip-hash"),
    /** nginx {@code hash KEY [consistent]}. */
    HASH("hash"),
    /** nginx {@code random two least_conn}. */
    RANDOM_TWO("random-two"),
    /** HAProxy {@code balance first}. */
    FIRST("first");

    private final String configName;

    Strategy(String configName) {
        this.configName = configName;
    }

    @Override
    public String configName() {
        return configName;
    }

    /** Strategies that map a client to a server by a hash; nginx refuses {@code backup} with them. */
    public boolean hashBased() {
        return this == IP_HASH || this == HASH;
    }
}

package org.l4lb.core.config;

/** Load-balancing strategies, named as in config files. */
public enum Strategy implements Named {
    /** nginx smooth weighted round robin (the nginx default). */
    ROUND_ROBIN,
    /** nginx {@code least_conn}. */
    LEAST_CONN,
    /** nginx {@code ip_hash}. */
    IP_HASH,
    /** nginx {@code hash KEY [consistent]}. */
    HASH,
    /** nginx {@code random}: drawn in proportion to the weights. */
    RANDOM,
    /** nginx {@code random two least_conn}. */
    RANDOM_TWO,
    /** HAProxy {@code balance first}. */
    FIRST; 

    /** Strategies that map a client to a server by a hash; nginx refuses {@code backup} with them. */
    public boolean hashBased() {
        return this == IP_HASH || this == HASH;
    }
}

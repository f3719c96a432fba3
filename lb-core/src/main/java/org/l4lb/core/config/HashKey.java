package org.l4lb.core.config;

/** What the {@code hash} strategy hashes. */
public enum HashKey implements Named {
    /** nginx {@code hash $remote_addr}. */
    SOURCE_IP,
    /** nginx {@code hash $remote_addr:$remote_port}. */
    SOURCE_IP_PORT
}

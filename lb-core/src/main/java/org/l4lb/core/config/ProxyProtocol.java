package org.l4lb.core.config;

/** PROXY protocol header sent to servers. */
public enum ProxyProtocol implements Named {
    OFF, V1, V2
}

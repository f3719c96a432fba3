package org.l4lb.tcp.proxy;

import org.l4lb.core.config.ProxyProtocol;
import org.l4lb.core.config.ServiceConfig;

/** A service's per-session settings in the units the data path uses. */
record SessionOptions(
        int connectTimeoutMillis,
        long idleTimeoutNanos,
        int nextUpstreamTries,
        long nextUpstreamTimeoutNanos,
        ProxyProtocol proxyProtocol,
        boolean acceptProxy,
        long acceptProxyTimeoutNanos,
        boolean splice,
        boolean accessLog) {

    static SessionOptions of(ServiceConfig c, boolean splice) {
        return new SessionOptions((int) Math.min(Integer.MAX_VALUE, c.connectTimeout().toMillis()),
                c.idleTimeout().toNanos(), c.nextUpstreamTries(), c.nextUpstreamTimeout().toNanos(), c.proxyProtocol(),
                c.acceptProxy(), c.acceptProxyTimeout().toNanos(), splice, c.accessLog());
    }
}

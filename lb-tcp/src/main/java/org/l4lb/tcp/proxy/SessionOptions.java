package org.l4lb.tcp.proxy;

import org.l4lb.core.acl.AccessList;
import org.l4lb.core.config.ProxyProtocol;
import org.l4lb.core.config.ServiceConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A service's per-session settings in the units the data path uses.
 *
 * @param proxySources who may send a PROXY header; a connection from anyone else is refused unread
 * @param accessLog where each session's access line goes; null for none
 * @param earlyData the node's budget for what clients send before their server connection is up
 */
record SessionOptions(
        int connectTimeoutMillis,
        long idleTimeoutNanos,
        int nextUpstreamTries,
        long nextUpstreamTimeoutNanos,
        ProxyProtocol proxyProtocol,
        boolean acceptProxy,
        long acceptProxyTimeoutNanos,
        AccessList proxySources,
        boolean splice,
        Logger accessLog,
        EarlyDataBudget earlyData) {

    static final Logger ACCESS = LoggerFactory.getLogger("access");

    static SessionOptions of(ServiceConfig c, boolean splice, EarlyDataBudget earlyData) {
        return new SessionOptions((int) Math.min(Integer.MAX_VALUE, c.connectTimeout().toMillis()),
                c.idleTimeout().toNanos(), c.nextUpstreamTries(), c.nextUpstreamTimeout().toNanos(), c.proxyProtocol(),
                c.acceptProxy(), c.acceptProxyTimeout().toNanos(), c.proxySources(), splice, c.accessLog() ? ACCESS : null,
                earlyData);
    }

    SessionOptions withAccessLog(Logger to) {
        return new SessionOptions(connectTimeoutMillis, idleTimeoutNanos, nextUpstreamTries, nextUpstreamTimeoutNanos,
                proxyProtocol, acceptProxy, acceptProxyTimeoutNanos, proxySources, splice, to, earlyData);
    }
}

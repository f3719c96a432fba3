package org.l4lb.core.config;

import java.time.Duration;
import java.util.List;
import org.l4lb.core.acl.AccessList;

/**
 * One proxied service: where it listens and where it sends connections.
 *
 * @param nextUpstreamTries attempts per connection over all servers; 0 is one per server (nginx {@code proxy_next_upstream_tries})
 * @param nextUpstreamTimeout time for all attempts together; zero is unlimited (nginx {@code proxy_next_upstream_timeout})
 * @param maxConnections sessions at once for this service; 0 is unlimited
 * @param maxConnectionsPerClient sessions at once per client address; 0 is unlimited
 * @param accessLog one line per session on the "access" logger (nginx {@code access_log})
 */
public record ServiceConfig(
        String name,
        List<HostPort> listen,
        BalanceConfig balance,
        Duration connectTimeout,
        Duration idleTimeout,
        int nextUpstreamTries,
        Duration nextUpstreamTimeout,
        ProxyProtocol proxyProtocol,
        boolean acceptProxy,
        Duration acceptProxyTimeout,
        AccessList access,
        int maxConnections,
        int maxConnectionsPerClient,
        boolean accessLog,
        HealthCheckConfig healthCheck,
        List<ServerConfig> servers) {

    public ServiceConfig {
        listen = List.copyOf(listen);
        servers = List.copyOf(servers);
    }
}

package org.l4lb.core.config;

import java.time.Duration;
import java.util.List;
import org.l4lb.core.acl.AccessList;

/**
 * One proxied service: where it listens and where it sends connections.
 *
 * @param nextUpstreamTries attempts per connection over all servers; 0 is one per server (nginx {@code proxy_next_upstream_tries})
 * @param nextUpstreamTimeout time for all attempts together; zero is unlimited (nginx {@code proxy_next_upstream_timeout})
 * @param proxySources who may send a PROXY header ({@code accept-proxy-from}; empty allows all)
 * @param maxConnections sessions at once for this service; 0 is unlimited
 * @param maxConnectionsPerClient sessions at once per client address; 0 is unlimited
 * @param accessLog one line per session on the "access" logger (nginx {@code access_log})
 * @param resolveInterval how often the names of servers with {@code resolve} are resolved again
 * @param forwarding this process (a proxy) or the kernel (nftables NAT) moves the bytes
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
        AccessList proxySources,
        AccessList access,
        int maxConnections,
        int maxConnectionsPerClient,
        boolean accessLog,
        HealthCheckConfig healthCheck,
        List<ServerConfig> servers,
        Duration resolveInterval,
        ForwardingConfig forwarding) {

    public ServiceConfig {
        listen = List.copyOf(listen);
        servers = List.copyOf(servers);
    }

    /** This service with other servers (added or removed at runtime, or names resolved). */
    public ServiceConfig withServers(List<ServerConfig> other) {
        return new ServiceConfig(name, listen, balance, connectTimeout, idleTimeout, nextUpstreamTries, nextUpstreamTimeout,
                proxyProtocol, acceptProxy, acceptProxyTimeout, proxySources, access, maxConnections, maxConnectionsPerClient, accessLog,
                healthCheck, other, resolveInterval, forwarding);
    }
}

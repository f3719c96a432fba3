package org.l4lb.core;

import java.time.Duration;
import java.util.List;
import org.l4lb.core.acl.AccessList;
import org.l4lb.core.config.BalanceConfig;
import org.l4lb.core.config.HashKey;
import org.l4lb.core.config.HealthCheckConfig;
import org.l4lb.core.config.HealthCheckType;
import org.l4lb.core.config.HostPort;
import org.l4lb.core.config.ProxyProtocol;
import org.l4lb.core.config.ServerAddress;
import org.l4lb.core.config.ServerConfig;
import org.l4lb.core.config.ServiceConfig;
import org.l4lb.core.config.Strategy;

/** Builds configs for tests without files. */
public final class Fixtures {

    private Fixtures() {
    }

    public static ServerConfig server(String address, int weight) {
        return new ServerConfig(ServerAddress.parse(address), weight, false, false, 1, Duration.ofSeconds(10), 0, Duration.ZERO);
    }

    public static ServerConfig backup(String address) {
        return new ServerConfig(ServerAddress.parse(address), 1, false, true, 1, Duration.ofSeconds(10), 0, Duration.ZERO);
    }

    public static ServerConfig withMaxFails(ServerConfig s, int maxFails, Duration failTimeout) {
        return new ServerConfig(s.address(), s.weight(), s.down(), s.backup(), maxFails, failTimeout, s.maxConns(), s.slowStart());
    }

    public static ServerConfig withMaxConns(ServerConfig s, int maxConns) {
        return new ServerConfig(s.address(), s.weight(), s.down(), s.backup(), s.maxFails(), s.failTimeout(), maxConns, s.slowStart());
    }

    public static ServerConfig withSlowStart(ServerConfig s, Duration slowStart) {
        return new ServerConfig(s.address(), s.weight(), s.down(), s.backup(), s.maxFails(), s.failTimeout(), s.maxConns(), slowStart);
    }

    public static ServerConfig down(ServerConfig s) {
        return new ServerConfig(s.address(), s.weight(), true, s.backup(), s.maxFails(), s.failTimeout(), s.maxConns(), s.slowStart());
    }

    public static ServiceConfig service(Strategy strategy, ServerConfig... servers) {
        return service(new BalanceConfig(strategy, HashKey.SOURCE_IP, false, Duration.ZERO, 1000), servers);
    }

    public static ServiceConfig service(BalanceConfig balance, ServerConfig... servers) {
        return new ServiceConfig("test", List.of(new HostPort("127.0.0.1", 8000)), balance, Duration.ofSeconds(1),
                Duration.ofMinutes(1), 0, Duration.ZERO, ProxyProtocol.OFF, false, Duration.ofSeconds(5),
                AccessList.ALLOW_ALL, AccessList.ALLOW_ALL, 0, 0, true,
                new HealthCheckConfig(HealthCheckType.TCP, Duration.ofSeconds(2), Duration.ofSeconds(1), 2, 3, "", ""),
                List.of(servers), Duration.ofSeconds(30), org.l4lb.core.config.ForwardingConfig.PROXY);
    }
}

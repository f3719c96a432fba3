package org.l4lb.tcp.proxyprotocol;

import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyProtocolVersion;
import io.netty.handler.codec.haproxy.HAProxyProxiedProtocol;
import java.net.Inet4Address;
import java.net.InetSocketAddress;
import org.l4lb.core.config.ProxyProtocol;

/** Builds the PROXY protocol header that tells a server who the client is. */
public final class ProxyHeaders {

    private ProxyHeaders() {
    }

    /**
     * @param client the client as the session sees it
     * @param local the address the client connected to
     */
    public static HAProxyMessage header(ProxyProtocol version, InetSocketAddress client, InetSocketAddress local) {
        HAProxyProtocolVersion v = version == ProxyProtocol.V1 ? HAProxyProtocolVersion.V1 : HAProxyProtocolVersion.V2;
        boolean v4 = client.getAddress() instanceof Inet4Address;
        if (v4 != (local.getAddress() instanceof Inet4Address)) {
            // A client and a listener of different families cannot be told apart in one header
            // (v1 "UNKNOWN", v2 LOCAL): the server must use the connection's own addresses.
            return v == HAProxyProtocolVersion.V1
                    ? new HAProxyMessage(v, HAProxyCommand.PROXY, HAProxyProxiedProtocol.UNKNOWN, null, null, 0, 0)
                    : new HAProxyMessage(v, HAProxyCommand.LOCAL, HAProxyProxiedProtocol.UNKNOWN, null, null, 0, 0);
        }
        return new HAProxyMessage(v, HAProxyCommand.PROXY, v4 ? HAProxyProxiedProtocol.TCP4 : HAProxyProxiedProtocol.TCP6,
                client.getAddress().getHostAddress(), local.getAddress().getHostAddress(), client.getPort(), local.getPort());
    }
}

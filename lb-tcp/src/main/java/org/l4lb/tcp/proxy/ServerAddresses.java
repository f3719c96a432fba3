package org.l4lb.tcp.proxy;

import io.netty.channel.unix.DomainSocketAddress;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnknownHostException;
import org.l4lb.core.net.InetLiteral;
import org.l4lb.core.config.ServerAddress;

/** Turns a configured server address into a socket address; host names resolve once, at start. */
final class ServerAddresses {

    private ServerAddresses() {
    }

    static SocketAddress resolve(ServerAddress address, boolean domainSockets) throws UnknownHostException {
        if (address instanceof ServerAddress.Unix unix) {
            if (!domainSockets) {
                throw new UnknownHostException(address.text() + ": unix sockets need the epoll or io-uring transport (Linux)");
            }
            return new DomainSocketAddress(unix.path());
        }
        ServerAddress.Tcp tcp = (ServerAddress.Tcp) address;
        String host = tcp.endpoint().host();
        InetAddress ip = InetLiteral.isIpv4(host) || InetLiteral.isIpv6(host) ? InetLiteral.parse(host)
                : InetAddress.getByName(host);
        return new InetSocketAddress(ip, tcp.endpoint().port());
    }
}

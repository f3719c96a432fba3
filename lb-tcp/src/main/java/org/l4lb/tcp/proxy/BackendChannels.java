package org.l4lb.tcp.proxy;

import io.netty.channel.Channel;
import java.net.SocketAddress;

/** Makes the unregistered channel a session connects to its server with: the transport's, or a test's. */
@FunctionalInterface
interface BackendChannels {

    Channel newChannel(SocketAddress target);
}

package org.l4lb.tcp.proxy;

import io.netty.channel.Channel;

/** Relays a session with splice(2), where the transport can. */
interface Splicer {

    boolean canSplice(Channel client, Channel backend);

    void start(Session session);
}

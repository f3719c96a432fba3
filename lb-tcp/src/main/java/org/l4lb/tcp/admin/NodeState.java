package org.l4lb.tcp.admin;

import java.util.List;
import org.l4lb.ha.HaNode;
import org.l4lb.tcp.proxy.Service;
import org.l4lb.tcp.transport.Transport;

/** What the admin endpoint shows of the node it serves. */
public interface NodeState {

    String name();

    List<Service> services();

    Transport transport();

    boolean splice();

    int openSessions();

    /** The node's HA instance; null without HA. */
    HaNode ha();
}

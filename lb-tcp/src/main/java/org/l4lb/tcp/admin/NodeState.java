package org.l4lb.tcp.admin;

import java.util.List;
import org.l4lb.tcp.admin.history.History;
import org.l4lb.tcp.admin.history.Timeline;
import org.l4lb.tcp.ha.HaInstances;
import org.l4lb.tcp.proxy.Service;
import org.l4lb.tcp.transport.Transport;

/** What the admin endpoint shows of the node it serves. */
public interface NodeState {

    String name();

    List<Service> services();

    Transport transport();

    boolean splice();

    int openSessions();

    /** The node's HA instances; null without HA. */
    HaInstances ha();

    int eventLoops();

    long startedAtMillis();

    /** What happened to the node lately. */
    Timeline timeline();

    /** The graphs' last 15 minutes. */
    History history();
}

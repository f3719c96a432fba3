package org.l4lb.core.upstream;

/** Told of every change of a server's eligibility, with its reason, e.g. to log it. */
@FunctionalInterface
public interface ServerStateListener {

    void changed(ServerState server, String change, String reason);

    ServerStateListener NONE = (s, c, r) -> { };
}

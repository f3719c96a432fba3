package org.l4lb.tcp.proxy;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** The open sessions of the node, so a shutdown can wait for them and then end the rest. */
public final class SessionRegistry {

    private final Set<Session> open = ConcurrentHashMap.newKeySet();

    void add(Session s) {
        open.add(s);
        s.client().channel().closeFuture().addListener(f -> open.remove(s));
    }

    public int size() {
        return open.size();
    }

    /** Open sessions of one service. */
    public int size(Service service) {
        int n = 0;
        for (Session s : open) {
            if (s.service() == service) {
                n++;
            }
        }
        return n;
    }

    /** Ends the open sessions of a service a reload removed, once its shutdown-timeout passed. */
    public void endAll(Service service) {
        for (Session s : open) {
            if (s.service() == service) {
                s.eventLoop().execute(() -> s.end(SessionEnd.SHUTDOWN));
            }
        }
    }

    /** Ends every open session (shutdown-timeout passed). */
    public void endAll() {
        for (Session s : open) {
            s.eventLoop().execute(() -> s.end(SessionEnd.SHUTDOWN));
        }
    }
}

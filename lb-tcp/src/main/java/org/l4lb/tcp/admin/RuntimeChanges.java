package org.l4lb.tcp.admin;

import java.util.Map;
import org.l4lb.core.upstream.AdminState;

/** The changes the admin API makes to a running node, with the token that allows them. */
public interface RuntimeChanges {

    /** The admin token in force; empty when changes are off. */
    String token();

    ReloadOutcome reload(String who);

    /**
     * Sets a server's weight (at once or over a ramp), its admin state, or both: all of it, or
     * nothing when any part is refused.
     *
     * @param weight null to leave it
     * @param state null to leave it
     */
    void change(String service, String server, Integer weight, long rampNanos, AdminState state, String who)
            throws Refused;

    /** Adds a server, with the parameters of a server object in the file. */
    void add(String service, Map<String, String> params, String who) throws Refused;

    /** Removes a server: it takes no new session, its open ones run to their end. */
    void remove(String service, String server, String who) throws Refused;
}

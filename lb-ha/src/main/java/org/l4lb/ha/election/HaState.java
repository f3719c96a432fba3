package org.l4lb.ha.election;

/** A node's VRRP-style state. */
public enum HaState {
    /** Started, waiting to hear the others before deciding. */
    INIT,
    /** Standing by; holds no virtual IP. */
    BACKUP,
    /** Holds the virtual IPs. */
    MASTER,
    /** A tracked check forced it out; never master while so. */
    FAULT
}

package org.l4lb.core.upstream;

/** What an operator set for a server at runtime. */
public enum AdminState {
    /** Takes new sessions. */
    ENABLED,
    /**
     * Takes no new sessions but keeps its open ones, and still takes clients that persistence
     * binds to it (HAProxy {@code drain}).
     */
    DRAINING,
    /** Takes nothing new (HAProxy {@code maint}); open sessions continue. */
    DISABLED
}

package org.l4lb.tcp.proxy;

/** How a session ended, as the access log and metrics name it. */
public enum SessionEnd {
    CLIENT_CLOSED("client-closed", false),
    SERVER_CLOSED("server-closed", false),
    CLIENT_RESET("client-reset", true),
    SERVER_RESET("server-reset", true),
    IDLE_TIMEOUT("idle-timeout", false),
    NO_SERVER("no-server", false),
    CONNECT_FAILED("connect-failed", false),
    REFUSED("refused", false),
    PROXY_HEADER_INVALID("proxy-header-invalid", true),
    PROXY_HEADER_TIMEOUT("proxy-header-timeout", false),
    SHUTDOWN("shutdown", false);

    private final String label;
    private final boolean reset;

    SessionEnd(String label, boolean reset) {
        this.label = label;
        this.reset = reset;
    }

    public String label() {
        return label;
    }

    /** Whether the other side is cut with a reset rather than closed in order. */
    boolean reset() {
        return reset;
    }
}

package org.l4lb.tcp.admission;

/** Why a client connection was refused before it reached a server. */
public enum Refusal {
    DENIED("denied"),
    GLOBAL_LIMIT("global-limit"),
    SERVICE_LIMIT("service-limit"),
    CLIENT_LIMIT("client-limit"),
    /** A service that reads a PROXY header, and a connection from outside {@code accept-proxy-from}. */
    PROXY_UNTRUSTED("proxy-untrusted");

    private final String label;

    Refusal(String label) {
        this.label = label;
    }

    /** The metric tag and log word. */
    public String label() {
        return label;
    }
}

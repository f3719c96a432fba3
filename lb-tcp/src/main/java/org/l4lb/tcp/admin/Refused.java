package org.l4lb.tcp.admin;

/** A change the operator asked for that cannot be made, with the HTTP status that fits it. */
public final class Refused extends Exception {

    private static final long serialVersionUID = 1L;
    private final int status;

    public Refused(int status, String message) {
        super(message);
        this.status = status;
    }

    public int status() {
        return status;
    }
}

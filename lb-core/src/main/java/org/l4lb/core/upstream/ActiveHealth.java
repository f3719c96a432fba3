package org.l4lb.core.upstream;

/**
 * Result of active checks with HAProxy's rise/fall hysteresis: {@code fall} consecutive failures
 * take an up server down, {@code rise} consecutive successes bring a down one up. A server starts up,
 * so traffic flows from the first second and a dead server leaves after {@code fall} checks.
 */
final class ActiveHealth {

    private final int rise;
    private final int fall;
    private volatile boolean up;
    private int streak;

    ActiveHealth(int rise, int fall, boolean up) {
        this.rise = rise;
        this.fall = fall;
        this.up = up;
    }

    int rise() {
        return rise;
    }

    int fall() {
        return fall;
    }

    boolean up() {
        return up;
    }

    /** @return true when this result changed the state */
    synchronized boolean record(boolean success) {
        if (success == up) {
            streak = 0;
            return false;
        }
        streak++;
        if (streak >= (up ? fall : rise)) {
            up = !up;
            streak = 0;
            return true;
        }
        return false;
    }
}

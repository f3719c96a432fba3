package org.l4lb.core.upstream;

/**
 * nginx's passive health ({@code max_fails}, {@code fail_timeout}), reproduced field for field so
 * a migrated server leaves and returns exactly when nginx would take it out and give it traffic again:
 * <ul>
 * <li>a failure counts one and stamps both {@code accessed} and {@code checked};</li>
 * <li>with {@code fails >= max_fails} the server is out while {@code now - checked <= fail_timeout};</li>
 * <li>when it is picked after that, {@code checked} moves to now (a trial);</li>
 * <li>a success after such a trial ({@code accessed < checked}) clears the count.</li>
 * </ul>
 * Failures older than {@code fail_timeout} therefore stop counting as soon as the server is picked
 * and succeeds, which is the "max_fails within fail_timeout" window.
 */
final class PassiveHealth {

    private final int maxFails;
    private final long failTimeoutNanos;
    private volatile int fails;
    private volatile long accessed;
    private volatile long checked;

    PassiveHealth(int maxFails, long failTimeoutNanos, long now) {
        this.maxFails = maxFails;
        this.failTimeoutNanos = failTimeoutNanos;
        this.accessed = now;
        this.checked = now;
    }

    boolean available(long now) {
        return maxFails == 0 || fails < maxFails || now - checked > failTimeoutNanos;
    }

    /** @return true when this failure took the server out */
    synchronized boolean failed(long now) {
        boolean wasAvailable = available(now);
        fails++;
        accessed = now;
        checked = now;
        return wasAvailable && !available(now);
    }

    synchronized void picked(long now) {
        if (now - checked > failTimeoutNanos) {
            checked = now;
        }
    }

    /** @return true when this success cleared failures that had taken the server out */
    synchronized boolean succeeded() {
        if (fails > 0 && accessed - checked < 0) {
            boolean wasOut = maxFails > 0 && fails >= maxFails;
            fails = 0;
            return wasOut;
        }
        return false;
    }

    int fails() {
        return fails;
    }

    int maxFails() {
        return maxFails;
    }
}

package org.l4lb.core.time;

/**
 * Monotonic time source. Health, persistence and election logic read time only through this,
 * so tests drive them with a fake ticker instead of sleeping.
 */
@FunctionalInterface
public interface Ticker {

    /** Monotonic nanoseconds; only differences are meaningful. */
    long nanos();

    Ticker SYSTEM = System::nanoTime;
}

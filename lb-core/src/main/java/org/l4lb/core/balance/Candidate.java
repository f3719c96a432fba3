package org.l4lb.core.balance;

/** A server as the strategies see it: what they weigh and count, nothing they could change. */
public interface Candidate {

    String name();

    /** The runtime weight now (nginx {@code weight}; a ramp moves it step by step); 0 takes nothing new. */
    int weight();

    /** The weight that counts now: lower than {@link #weight} while its slow start runs. */
    int effectiveWeight(long now);

    /** Sessions open on it now. */
    int sessions();

    /** Whether it may take a new session now. */
    boolean eligible(long now);

    /** Whether a client bound to it (persistence) may still come: up and not disabled; draining still takes them. */
    boolean takesBoundClient(long now);
}

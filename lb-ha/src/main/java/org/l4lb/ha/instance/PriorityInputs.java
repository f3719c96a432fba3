package org.l4lb.ha.instance;

/** What lowers an instance's priority or forces it to FAULT: tracked services and scripts. */
public interface PriorityInputs {

    /** The priority to advertise, from the configured one. */
    int effective(int priority);

    /** What is failing so that this node must be in FAULT, or null. */
    String fault();

    PriorityInputs NONE = new PriorityInputs() {
        @Override
        public int effective(int priority) {
            return priority;
        }

        @Override
        public String fault() {
            return null;
        }
    };
}

package org.l4lb.core.config;

/** Whether the data plane relays with splice(2). */
public enum SpliceMode implements Named {
    AUTO, ON, OFF
}

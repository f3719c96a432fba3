package org.l4lb.core.config;

/** An enum whose values are written in config files by a lower-case, hyphenated name. */
public interface Named {

    String configName();
}

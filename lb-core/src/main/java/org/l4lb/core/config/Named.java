package org.l4lb.core.config;

import java.util.Locale;

/**
 * An enum whose values are written in config files in lower case with hyphens:
 * {@code ROUND_ROBIN} is {@code round-robin}, {@code V2} is {@code v2}.
 */
public interface Named {

    String name();

    default String configName() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}

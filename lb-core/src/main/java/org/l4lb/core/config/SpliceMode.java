package org.l4lb.core.config;

/** Whether the data plane relays with splice(2). */
public enum SpliceMode implements Named {
    AUTO("auto"), ON("on"), OFF("off");

    private final String configName;

    SpliceMode(String configName) {
        this.configName = configName;
    }

    @Override
    public String configName() {
        return configName;
    }
}

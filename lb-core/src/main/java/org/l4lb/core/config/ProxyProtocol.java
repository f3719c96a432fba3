package org.l4lb.core.config;

/** PROXY protocol header sent to servers. */
public enum ProxyProtocol implements Named {
    OFF("off"), V1("v1"), V2("v2");

    private final String configName;

    ProxyProtocol(String configName) {
        this.configName = configName;
    }

    @Override
    public String configName() {
        return configName;
    }
}

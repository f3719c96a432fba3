package org.l4lb.core.runtime;

import java.util.LinkedHashMap;
import java.util.Map;
import org.l4lb.core.config.ServerConfig;

/** A server's settings as the keys of a server object, in text: how the state file keeps a file's entry. */
public final class ServerParams {

    private ServerParams() {
    }

    public static Map<String, String> of(ServerConfig s) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("address", s.name());
        m.put("weight", Integer.toString(s.weight()));
        m.put("down", Boolean.toString(s.down()));
        m.put("backup", Boolean.toString(s.backup()));
        m.put("max-fails", Integer.toString(s.maxFails()));
        m.put("fail-timeout", s.failTimeout().toMillis() + "ms");
        m.put("max-conns", Integer.toString(s.maxConns()));
        m.put("slow-start", s.slowStart().toMillis() + "ms");
        m.put("resolve", Boolean.toString(s.resolve()));
        return m;
    }
}

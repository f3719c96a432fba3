package org.l4lb.core.runtime;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.l4lb.core.config.HostPort;
import org.l4lb.core.config.LbConfig;
import org.l4lb.core.config.ServerAddress;
import org.l4lb.core.config.ServerConfig;
import org.l4lb.core.config.ServiceConfig;
import org.l4lb.core.net.AddressText;

/**
 * The addresses last found for the servers given by a host name with {@code resolve = true}
 * (nginx {@code resolve}): each address is a server of its own with the parameters of the entry,
 * named by the address. Not thread-safe: its owner changes it under one lock.
 */
public final class ResolvedNames {

    /** A name to look up: the service and the server entry it belongs to, and how often. */
    public record Name(String service, String server, String host, long intervalNanos) {
    }

    private final Map<String, List<InetAddress>> known = new LinkedHashMap<>();

    private static String key(String service, String server) {
        return service + "\u0000" + server;
    }

    /** The names {@code c} asks to follow. */
    public static List<Name> names(LbConfig c) {
        List<Name> out = new ArrayList<>();
        for (ServiceConfig s : c.services()) {
            for (ServerConfig sc : s.servers()) {
                if (sc.resolve() && sc.address() instanceof ServerAddress.Tcp tcp) {
                    out.add(new Name(s.name(), sc.name(), tcp.endpoint().host(), s.resolveInterval().toNanos()));
                }
            }
        }
        return out;
    }

    /** Whether the addresses of {@code name} are not known yet. */
    public boolean unknown(Name name) {
        return !known.containsKey(key(name.service(), name.server()));
    }

    /**
     * Takes what a look-up found.
     *
     * @return whether that changes the servers
     */
    public boolean found(Name name, List<InetAddress> addresses) {
        List<InetAddress> sorted = new ArrayList<>(addresses);
        sorted.sort(java.util.Comparator.comparing(AddressText::of));
        List<InetAddress> old = known.put(key(name.service(), name.server()), List.copyOf(sorted));
        return !sorted.equals(old);
    }

    /** The addresses last found for {@code name}, as {@code address:port}. */
    public List<String> addresses(Name name, int port) {
        return known.getOrDefault(key(name.service(), name.server()), List.of()).stream()
                .map(a -> new HostPort(AddressText.of(a), port).text()).toList();
    }

    /** Forgets the names {@code c} no longer has. */
    public void keepOnly(LbConfig c) {
        Set<String> keys = new HashSet<>();
        names(c).forEach(n -> keys.add(key(n.service(), n.server())));
        known.keySet().retainAll(keys);
    }

    /** {@code c} with each resolved entry replaced by one server per address it has now (none while none is known). */
    public LbConfig expand(LbConfig c) {
        List<ServiceConfig> services = new ArrayList<>();
        boolean any = false;
        for (ServiceConfig s : c.services()) {
            if (s.servers().stream().noneMatch(ServerConfig::resolve)) {
                services.add(s);
                continue;
            }
            any = true;
            Set<String> names = new HashSet<>();
            s.servers().stream().filter(sc -> !sc.resolve()).forEach(sc -> names.add(sc.name()));
            List<ServerConfig> servers = new ArrayList<>();
            for (ServerConfig sc : s.servers()) {
                if (!sc.resolve()) {
                    servers.add(sc);
                    continue;
                }
                int port = ((ServerAddress.Tcp) sc.address()).endpoint().port();
                for (InetAddress a : known.getOrDefault(key(s.name(), sc.name()), List.of())) {
                    ServerConfig one = sc.at(new ServerAddress.Tcp(new HostPort(AddressText.of(a), port)));
                    // A server written with this very address already is that one.
                    if (names.add(one.name())) {
                        servers.add(one);
                    }
                }
            }
            services.add(s.withServers(servers));
        }
        if (!any) {
            return c;
        }
        return c.withServices(services);
    }
}

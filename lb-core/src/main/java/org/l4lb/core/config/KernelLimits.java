package org.l4lb.core.config;

import org.l4lb.core.net.InetLiteral;

/**
 * What a service forwarded by the kernel (nftables NAT) cannot have, each refused with its reason:
 * what needs the bytes or picks by open sessions: the kernel reads no bytes, and its count of a
 * server's open flows is known only between reads.
 */
final class KernelLimits {

    private KernelLimits() {
    }

    static void check(ServiceConfig s, ConfigReader r) {
        Strategy st = s.balance().strategy();
        if (st != Strategy.ROUND_ROBIN && st != Strategy.RANDOM && st != Strategy.IP_HASH && st != Strategy.HASH) {
            r.problem("strategy", "'" + st.configName() + "' picks by open sessions at each new flow, which the kernel's rules"
                    + " cannot see; forwarding = kernel takes round-robin (numgen inc), random (numgen random), ip-hash or"
                    + " hash (jhash)");
        }
        if (st == Strategy.HASH && s.balance().consistent()) {
            r.problem("consistent", "forwarding = kernel hashes with jhash over the weight ranges, not a ketama ring");
        }
        if (s.proxyProtocol() != ProxyProtocol.OFF) {
            r.problem("proxy-protocol", "the kernel forwards packets and cannot add a PROXY header; the servers see the"
                    + " client's address with nat = destination");
        }
        if (s.acceptProxy()) {
            r.problem("accept-proxy", "the kernel forwards packets and cannot read a PROXY header");
        }
        if (s.forwarding().nat() == NatMode.DSR) {
            dsr(s, r);
        }
        for (HostPort l : s.listen()) {
            if (!InetLiteral.isIpv4(l.host())) {
                r.problem("listen", l + ": forwarding = kernel takes IPv4 listen addresses (0.0.0.0 for every one)");
            }
        }
        for (ServerConfig v : s.servers()) {
            if (!(v.address() instanceof ServerAddress.Tcp t) || !InetLiteral.isIpv4(t.endpoint().host()) || v.resolve()) {
                r.problem("servers", v.address().text() + ": forwarding = kernel takes IPv4 server addresses");
            }
        }
    }

    /**
     * Direct server return rewrites only the frame's MAC addresses, on the ingress hook, before
     * conntrack: each packet picks its server alone, so the pick must be a hash of the flow, and
     * nothing that counts flows or remembers clients can work.
     */
    private static void dsr(ServiceConfig s, ConfigReader r) {
        Strategy st = s.balance().strategy();
        if (st == Strategy.ROUND_ROBIN || st == Strategy.RANDOM) {
            r.problem("strategy", "nat = dsr picks a server for each packet, with no conntrack to keep a flow on it:"
                    + " use strategy = hash (hash-key = source-ip-port) or ip-hash");
        }
        String why = " needs the node to see the flows, and with nat = dsr the replies do not come back through it";
        if (!s.balance().persistenceTimeout().isZero()) {
            r.problem("persistence-timeout", "nat = dsr: persistence" + why + "; ip-hash keeps a client on its server");
        }
        if (s.maxConnections() > 0) {
            r.problem("max-connections", "nat = dsr: a limit of open flows" + why);
        }
        if (s.maxConnectionsPerClient() > 0) {
            r.problem("max-connections-per-client", "nat = dsr: a limit of open flows" + why);
        }
        for (HostPort l : s.listen()) {
            if (l.host().equals("0.0.0.0")) {
                r.problem("listen", l + ": nat = dsr matches the VIP itself; listen on the VIP's address");
            }
            for (ServerConfig v : s.servers()) {
                if (v.address() instanceof ServerAddress.Tcp t && t.endpoint().port() != l.port()) {
                    r.problem("servers", v.address().text() + ": nat = dsr does not rewrite the port; the servers"
                            + " listen on the service's port " + l.port());
                }
            }
        }
        for (ServerConfig v : s.servers()) {
            if (v.maxConns() > 0) {
                r.problem("servers", v.address().text() + ": max-conns with nat = dsr" + why);
            }
        }
    }
}

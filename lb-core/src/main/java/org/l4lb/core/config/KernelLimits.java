package org.l4lb.core.config;

import org.l4lb.core.net.InetLiteral;

/**
 * What a service forwarded by the kernel (nftables NAT) cannot have, each refused with its reason:
 * what needs the bytes or the open sessions, which the kernel neither reads nor counts for us, and
 * what the kernel path does not do yet.
 */
final class KernelLimits {

    private KernelLimits() {
    }

    static void check(ServiceConfig s, ConfigReader r) {
        Strategy st = s.balance().strategy();
        if (st != Strategy.ROUND_ROBIN && st != Strategy.IP_HASH && st != Strategy.HASH) {
            r.problem("strategy", "'" + st.configName() + "' picks by open sessions, which the kernel does not count;"
                    + " forwarding = kernel takes round-robin (numgen), ip-hash or hash (jhash)");
        }
        if (st == Strategy.HASH && s.balance().consistent()) {
            r.problem("consistent", "forwarding = kernel hashes with jhash over the weight ranges, not a ketama ring");
        }
        if (!s.balance().persistenceTimeout().isZero()) {
            r.problem("persistence-timeout", "not in forwarding = kernel yet; use ip-hash for clients that keep their server");
        }
        if (s.proxyProtocol() != ProxyProtocol.OFF) {
            r.problem("proxy-protocol", "the kernel forwards packets and cannot add a PROXY header; the servers see the"
                    + " client's address with nat = destination");
        }
        if (s.acceptProxy()) {
            r.problem("accept-proxy", "the kernel forwards packets and cannot read a PROXY header");
        }
        if (!s.access().allow().isEmpty() || !s.access().deny().isEmpty()) {
            r.problem(s.access().allow().isEmpty() ? "deny" : "allow", "not in forwarding = kernel yet");
        }
        for (HostPort l : s.listen()) {
            if (!InetLiteral.isIpv4(l.host())) {
                r.problem("listen", l + ": forwarding = kernel takes IPv4 listen addresses (0.0.0.0 for every one)");
            }
        }
        for (ServerConfig v : s.servers()) {
            if (!(v.address() instanceof ServerAddress.Tcp t) || !InetLiteral.isIpv4(t.endpoint().host()) || v.resolve()) {
                r.problem("servers", v.address().text() + ": forwarding = kernel takes IPv4 server addresses");
            } else if (v.maxConns() > 0) {
                r.problem("servers", v.address().text() + ": max-conns is not in forwarding = kernel yet");
            }
        }
    }
}

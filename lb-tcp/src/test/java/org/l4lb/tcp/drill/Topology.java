package org.l4lb.tcp.drill;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The drill's network: namespaces for two LB nodes (and a third, misconfigured one), two backends and a client, each with one
 * veth port on a bridge that lives in a namespace of its own (nothing touches the host's network).
 * 10.99.0.0/24; ip_forward=0 everywhere so a node that dropped the VIP cannot hide an outage.
 */
final class Topology implements AutoCloseable {

    static final String VIP = "10.99.0.100";

    final String prefix = "l4d" + Integer.toString(ThreadLocalRandom.current().nextInt(46656), 36);
    final String sw = prefix + "sw";
    private final List<String> namespaces = new ArrayList<>();

    String ns(String host) {
        return prefix + host;
    }

    void create() {
        add(sw);
        Sh.must("ip", "-n", sw, "link", "add", "br0", "type", "bridge");
        Sh.must("ip", "-n", sw, "link", "set", "br0", "up");
        host("lb1", "10.99.0.11");
        host("lb2", "10.99.0.12");
        // A third node's place: the one with the wrong secret.
        host("lb3", "10.99.0.13");
        uplink("lb1", "10.99.5.11");
        uplink("lb2", "10.99.5.12");
        host("be1", "10.99.0.21");
        host("be2", "10.99.0.22");
        host("cl", "10.99.0.31");
    }

    private void add(String name) {
        Sh.must("ip", "netns", "add", name);
        namespaces.add(name);
        Sh.must("ip", "-n", name, "link", "set", "lo", "up");
        Sh.must("ip", "netns", "exec", name, "sysctl", "-qw", "net.ipv4.ip_forward=0");
        // What reference.conf asks of LB nodes for the flow handoff: ARP requests from this host
        // carry its own address, never a VIP it keeps quietly.
        Sh.must("ip", "netns", "exec", name, "sysctl", "-qw", "net.ipv4.conf.all.arp_announce=2");
    }

    private void host(String host, String address) {
        String ns = ns(host);
        add(ns);
        Sh.must("ip", "-n", sw, "link", "add", "v-" + host, "type", "veth", "peer", "name", "eth0", "netns", ns);
        Sh.must("ip", "-n", sw, "link", "set", "v-" + host, "master", "br0", "up");
        Sh.must("ip", "-n", ns, "addr", "add", address + "/24", "dev", "eth0");
        Sh.must("ip", "-n", ns, "link", "set", "eth0", "up");
    }

    /**
     * A second link of an LB node, for track-interfaces: {@code up0}, a veth whose peer
     * ({@code up0p}) stays in the same namespace, so that downing the peer takes up0's carrier away
     * as a pulled cable or a dead switch port would.
     */
    private void uplink(String host, String address) {
        String ns = ns(host);
        Sh.must("ip", "-n", ns, "link", "add", "up0", "type", "veth", "peer", "name", "up0p");
        Sh.must("ip", "-n", ns, "addr", "add", address + "/24", "dev", "up0");
        Sh.must("ip", "-n", ns, "link", "set", "up0p", "up");
        Sh.must("ip", "-n", ns, "link", "set", "up0", "up");
    }

    /** Gives the uplink's carrier back, or takes it away (its peer up or down). */
    void uplinkCarrier(String host, boolean on) {
        Sh.must("ip", "-n", ns(host), "link", "set", "up0p", on ? "up" : "down");
    }

    /** Adds the uplink's address back, or removes it. */
    void uplinkAddress(String host, String address, boolean on) {
        Sh.must("ip", "-n", ns(host), "addr", on ? "add" : "del", address + "/24", "dev", "up0");
    }

    /**
     * Whether the host holds the VIP for the network: has it and answers ARP for it, unlike a node
     * that keeps it quietly while it hands its connections off.
     */
    boolean announcesVip(String host) {
        return holdsVip(host) && !handsOff(host);
    }

    /** Whether the host keeps its VIPs quietly (flow handoff: its ARP for them is dropped). */
    boolean handsOff(String host) {
        return handsOff(host, "l4lb_handoff");
    }

    /** Whether the host keeps an instance's VIPs quietly; {@code table} is that instance's. */
    boolean handsOff(String host, String table) {
        return Sh.run("ip", "netns", "exec", ns(host), "nft", "list", "table", "arp", table).code() == 0;
    }

    /** Whether the VIP is configured in the host's namespace. */
    boolean holdsVip(String host) {
        return holdsVip(host, VIP);
    }

    boolean holdsVip(String host, String vip) {
        return Sh.run("ip", "-n", ns(host), "-4", "addr", "show", "dev", "eth0").out().contains(vip + "/");
    }

    /** {@link #announcesVip(String)} for another instance's VIP and handoff table. */
    boolean announcesVip(String host, String vip, String table) {
        return holdsVip(host, vip) && !handsOff(host, table);
    }

    /** The MAC of the host's port, to tell which node a client's ARP entry points at. */
    String mac(String host) {
        String out = Sh.must("ip", "-n", ns(host), "link", "show", "dev", "eth0");
        int at = out.indexOf("link/ether ");
        return at < 0 ? "?" : out.substring(at + 11).split("\\s+")[0];
    }

    void linkDown(String host) {
        Sh.must("ip", "-n", ns(host), "link", "set", "eth0", "down");
    }

    void linkUp(String host) {
        Sh.must("ip", "-n", ns(host), "link", "set", "eth0", "up");
    }

    /** Detaches the host's port from the bridge; its own link stays up: the real split brain. */
    void isolate(String host) {
        Sh.must("ip", "-n", sw, "link", "set", "v-" + host, "nomaster");
    }

    void reattach(String host) {
        Sh.must("ip", "-n", sw, "link", "set", "v-" + host, "master", "br0");
    }

    @Override
    public void close() {
        for (int i = namespaces.size() - 1; i >= 0; i--) {
            Sh.run("ip", "netns", "del", namespaces.get(i));
        }
    }
}

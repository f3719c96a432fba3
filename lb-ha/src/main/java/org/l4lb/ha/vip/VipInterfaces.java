package org.l4lb.ha.vip;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import org.l4lb.core.acl.Cidr;
import org.l4lb.core.net.InetLiteral;

/**
 * Where a VIP goes when {@code ha.interface} is left empty, read from {@code ip -o addr show}: the
 * interface that already holds it, else the one with an address whose subnet contains it. Looked up
 * on every use, so a node whose interface was replaced (a container reconnected comes back as eth1)
 * still finds it.
 */
final class VipInterfaces {

    /** One address line: interface, the address, its subnet. */
    record Address(String iface, String address, Cidr subnet) {
    }

    private final List<Address> addresses;
    /** The configured interface, which every VIP goes on and is looked for on; null to look up. */
    private final String fixed;

    private VipInterfaces(List<Address> addresses, String fixed) {
        this.addresses = addresses;
        this.fixed = fixed;
    }

    static VipInterfaces fixed(String iface) {
        return new VipInterfaces(List.of(), iface);
    }

    /** Parses lines like {@code 17: eth0    inet 10.99.1.11/24 brd ...} (iproute2 and busybox alike). */
    static VipInterfaces parse(String ipAddrShow) {
        List<Address> list = new ArrayList<>();
        for (String line : ipAddrShow.split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length < 4 || !(f[2].equals("inet") || f[2].equals("inet6")) || f[3].indexOf('/') < 0) {
                continue;
            }
            String iface = f[1].endsWith(":") ? f[1].substring(0, f[1].length() - 1) : f[1];
            // A VLAN or veth shows as "eth0@if12": the name is before the '@'.
            int at = iface.indexOf('@');
            String address = f[3].substring(0, f[3].indexOf('/'));
            list.add(new Address(at < 0 ? iface : iface.substring(0, at), address, Cidr.networkOf(f[3])));
        }
        return new VipInterfaces(list, null);
    }

    /** The interface that has exactly this address (the configured one, if there is one). */
    Optional<String> holding(String vipAddress) {
        if (fixed != null) {
            return Optional.of(fixed);
        }
        return addresses.stream().filter(a -> a.address().equalsIgnoreCase(vipAddress)).map(Address::iface).findFirst();
    }

    /** The first IPv4 address on the interface that is none of {@code except} (this node's own, not a VIP). */
    Optional<String> ownIpv4On(String iface, Collection<String> except) {
        return addresses.stream()
                .filter(a -> a.iface().equals(iface) && !a.address().contains(":") && !except.contains(a.address()))
                .map(Address::address).findFirst();
    }

    /** The interface an address belongs on: where it already is, else the first whose subnet holds it. */
    Optional<String> forAddress(String vipAddress) {
        if (fixed != null) {
            return Optional.of(fixed);
        }
        Optional<String> held = holding(vipAddress);
        if (held.isPresent()) {
            return held;
        }
        byte[] bytes = InetLiteral.parse(vipAddress).getAddress();
        return addresses.stream().filter(a -> a.subnet().prefix() > 0 && a.subnet().matches(bytes)).map(Address::iface).findFirst();
    }
}

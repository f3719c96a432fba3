package org.l4lb.ha.vip;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class VipInterfacesTest {

    // iproute2 6.1 `ip -o addr show` in a container (the veth shows as eth0@if80)
    private static final String IPROUTE2 = """
            1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever preferred_lft forever
            1: lo    inet6 ::1/128 scope host \\       valid_lft forever preferred_lft forever
            79: eth0@if80    inet 10.99.1.11/24 brd 10.99.1.255 scope global eth0\\       valid_lft forever preferred_lft forever
            79: eth0@if80    inet 10.99.1.100/24 scope global secondary eth0\\       valid_lft forever preferred_lft forever
            81: eth1@if82    inet 192.0.2.7/28 brd 192.0.2.15 scope global eth1\\       valid_lft forever preferred_lft forever
            81: eth1@if82    inet6 2001:db8:5::7/64 scope global \\       valid_lft forever preferred_lft forever
            """;
    // busybox 1.35 `ip -o addr show` after a reconnect renamed the interface
    private static final String BUSYBOX = """
            1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever preferred_lft forever
            78: eth1    inet 10.99.1.11/24 brd 10.99.1.255 scope global eth1\\       valid_lft forever preferred_lft forever
            """;

    @Test
    void aVipGoesWhereItIsElseOnTheInterfaceWhoseSubnetHoldsIt() {
        VipInterfaces i = VipInterfaces.parse(IPROUTE2);
        assertThat(i.holding("10.99.1.100")).contains("eth0");
        assertThat(i.forAddress("10.99.1.100")).contains("eth0");
        assertThat(i.forAddress("192.0.2.9")).contains("eth1");
        assertThat(i.forAddress("192.0.2.16")).as("just outside 192.0.2.0/28").isEmpty();
        assertThat(i.forAddress("2001:db8:5::100")).contains("eth1");
        assertThat(i.holding("10.99.1.101")).isEmpty();
        assertThat(i.forAddress("10.99.2.100")).isEmpty();
    }

    @Test
    void busyboxOutputAndARenamedInterface() {
        VipInterfaces i = VipInterfaces.parse(BUSYBOX);
        assertThat(i.forAddress("10.99.1.100")).contains("eth1");
        assertThat(i.holding("10.99.1.100")).isEmpty();
    }
}

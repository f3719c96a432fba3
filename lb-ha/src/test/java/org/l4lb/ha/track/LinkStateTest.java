package org.l4lb.ha.track;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Links as the kernel shows them, read on this machine: loopback is up and has its addresses. */
class LinkStateTest {

    @Test
    void loopbackIsUpWithAnAddressOfItsOwn() {
        assertThat(LinkState.problem("lo", Set.of())).isNull();
    }

    @Test
    void anInterfaceThatDoesNotExistIsGone() {
        assertThat(LinkState.problem("l4lbnone0", Set.of())).isEqualTo("gone");
    }

    @Test
    void virtualIpsAreNotAnAddressOfItsOwn() throws Exception {
        Set<InetAddress> all = Set.copyOf(java.util.Collections.list(
                java.net.NetworkInterface.getByName("lo").getInetAddresses()));
        assertThat(LinkState.problem("lo", all)).isEqualTo("no address");
    }
}

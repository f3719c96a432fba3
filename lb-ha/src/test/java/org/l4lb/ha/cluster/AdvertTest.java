package org.l4lb.ha.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.l4lb.ha.election.HaState;
import org.l4lb.ha.election.NodeId;

class AdvertTest {

    private static Advert advert(long advertMillis) throws Exception {
        return new Advert(NodeId.of(InetAddress.getByName("10.99.0.11"), 7800), "lb1", 150, 100, HaState.MASTER, false, 42,
                "10.99.0.11", true, advertMillis);
    }

    @Test
    void anAdvertComesBackAsItWasSent() throws Exception {
        Advert a = advert(3000);
        assertThat(Advert.decode(a.encode())).isEqualTo(a);
    }

    @Test
    void oneFromTheVersionWithoutTheIntervalStillReads() throws Exception {
        byte[] bytes = advert(3000).encode();
        byte[] older = Arrays.copyOf(bytes, bytes.length - Long.BYTES - 1);
        Advert a = advert(0);
        assertThat(Advert.decode(older)).isEqualTo(new Advert(a.id(), a.name(), a.priority(), a.effective(), a.state(), a.fault(),
                a.sequence(), a.handoffAddress(), a.handingOff(), 0, false));
    }

    @Test
    void oneFromTheVersionWithoutBindingsTakesNone() throws Exception {
        assertThat(advert(3000).takesBindings()).as("this version's").isTrue();
        byte[] bytes = advert(3000).encode();
        Advert older = Advert.decode(Arrays.copyOf(bytes, bytes.length - 1));
        assertThat(older.advertMillis()).isEqualTo(3000);
        assertThat(older.takesBindings()).isFalse();
    }
}

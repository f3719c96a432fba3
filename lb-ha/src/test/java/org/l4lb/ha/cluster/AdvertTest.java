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
        byte[] older = Arrays.copyOf(bytes, bytes.length - Long.BYTES);
        assertThat(Advert.decode(older)).isEqualTo(advert(0));
    }
}

package org.l4lb.ha.sync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.l4lb.core.balance.Persistence;
import org.l4lb.ha.cluster.ClusterLink;

class BindingBatchTest {

    @Test
    void bindingsOfIpv4AndIpv6ClientsComeBackAsSent() throws Exception {
        List<BindingBatch.Item> sent = new ArrayList<>();
        for (int i = 0; i < BindingBatch.MAX_ENTRIES; i++) {
            byte[] client = (i % 2 == 0 ? InetAddress.getByName("192.0.2." + (i % 250))
                    : InetAddress.getByName("2001:db8::" + Integer.toHexString(i))).getAddress();
            sent.add(new BindingBatch.Item(i % 3 == 0 ? "web" : "db-ü", new Persistence.Binding(client, "10.0.0." + (i % 7) + ":80",
                    i * 1_000_000L)));
        }
        byte[] wire = BindingBatch.encode(sent);
        assertThat(wire[0]).as("told from an advert by its first byte").isEqualTo(ClusterLink.BINDINGS);
        assertThat(wire.length).as("bytes for a full batch").isLessThan(25_000);
        List<BindingBatch.Item> got = BindingBatch.decode(wire);
        assertThat(got).hasSize(sent.size());
        for (int i = 0; i < sent.size(); i++) {
            assertThat(got.get(i).service()).isEqualTo(sent.get(i).service());
            assertThat(got.get(i).binding().client()).isEqualTo(sent.get(i).binding().client());
            assertThat(got.get(i).binding().server()).isEqualTo(sent.get(i).binding().server());
            assertThat(got.get(i).binding().ageNanos()).isEqualTo(sent.get(i).binding().ageNanos());
        }
    }

    @Test
    void anotherVersionOrAMangledAddressIsRefused() {
        byte[] wire = BindingBatch.encode(List.of(new BindingBatch.Item("web",
                new Persistence.Binding(new byte[] {10, 0, 0, 1}, "a:1", 0))));
        wire[1] = 9;
        assertThatThrownBy(() -> BindingBatch.decode(wire)).isInstanceOf(IOException.class).hasMessageContaining("version 9");
        byte[] odd = BindingBatch.encode(List.of(new BindingBatch.Item("web",
                new Persistence.Binding(new byte[] {10, 0, 0}, "a:1", 0))));
        assertThatThrownBy(() -> BindingBatch.decode(odd)).isInstanceOf(IOException.class).hasMessageContaining("3 bytes");
    }
}

package org.l4lb.ha.sync;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import org.jgroups.Address;
import org.jgroups.View;
import org.jgroups.util.UUID;
import org.junit.jupiter.api.Test;
import org.l4lb.core.balance.Persistence;

/** Who is sent what: bindings go only where they can be read. */
class StickySyncTest {

    private record Sent(Address to, List<BindingBatch.Item> items) {
    }

    /** Tables with one binding waiting at every drain and two in the whole table. */
    private static final StickyTables TABLES = new StickyTables() {
        @Override
        public void drainTouched(BiConsumer<String, Persistence.Binding> to) {
            to.accept("web", new Persistence.Binding(new byte[] {10, 0, 0, 1}, "a:80", 0));
        }

        @Override
        public void snapshot(BiConsumer<String, Persistence.Binding> to) {
            to.accept("web", new Persistence.Binding(new byte[] {10, 0, 0, 1}, "a:80", 0));
            to.accept("web", new Persistence.Binding(new byte[] {10, 0, 0, 2}, "b:80", 0));
        }

        @Override
        public void learn(String service, Persistence.Binding binding) {
        }
    };

    @Test
    void aMemberThatTakesBindingsIsSentTheTableAndThenWhatIsBound() throws Exception {
        BlockingQueue<Sent> sent = new LinkedBlockingQueue<>();
        Address me = UUID.randomUUID();
        Address other = UUID.randomUUID();
        try (StickySync sync = new StickySync(TABLES, (to, b) -> sent.add(decode(to, b)), () -> me, Duration.ofMillis(50))) {
            sync.view(View.create(me, 1, me, other));
            sync.advert(other, true);
            Sent table = sent.poll(5, TimeUnit.SECONDS);
            assertThat(table.to()).as("the table to the member that joined only").isEqualTo(other);
            assertThat(table.items()).hasSize(2);
            sync.advert(other, true);
            sync.start();
            Sent touched = sent.poll(5, TimeUnit.SECONDS);
            assertThat(touched.to()).as("then what is bound, to the group").isNull();
            assertThat(touched.items()).hasSize(1);
        }
    }

    @Test
    void whileAnOlderMemberIsInTheViewNothingGoesToTheGroup() throws Exception {
        BlockingQueue<Sent> sent = new LinkedBlockingQueue<>();
        Address me = UUID.randomUUID();
        Address newer = UUID.randomUUID();
        Address older = UUID.randomUUID();
        try (StickySync sync = new StickySync(TABLES, (to, b) -> sent.add(decode(to, b)), () -> me, Duration.ofMillis(20))) {
            sync.view(View.create(me, 1, me, newer, older));
            sync.advert(older, false);
            sync.advert(newer, true);
            assertThat(sent.poll(5, TimeUnit.SECONDS).to()).isEqualTo(newer);
            sync.start();
            assertThat(sent.poll(300, TimeUnit.MILLISECONDS)).as("sent while an older member listens").isNull();
            sync.view(View.create(me, 2, me, newer));
            assertThat(sent.poll(5, TimeUnit.SECONDS).to()).as("once it has gone").isNull();
        }
    }

    private static Sent decode(Address to, byte[] batch) {
        try {
            return new Sent(to, BindingBatch.decode(batch));
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }
}

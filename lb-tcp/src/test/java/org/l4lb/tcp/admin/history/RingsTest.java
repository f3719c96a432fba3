package org.l4lb.tcp.admin.history;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RingsTest {

    @Test
    void theTimelineKeepsTheNewestInOrderAndNoMore() {
        Timeline t = new Timeline();
        assertThat(t.events()).isEmpty();
        for (int i = 0; i < Timeline.CAPACITY + 37; i++) {
            t.add("server", "event " + i);
        }
        List<Timeline.Event> events = t.events();
        assertThat(events).hasSize(Timeline.CAPACITY);
        assertThat(events.get(0).text()).isEqualTo("event 37");
        assertThat(events.get(events.size() - 1).text()).isEqualTo("event " + (Timeline.CAPACITY + 36));
    }

    @Test
    void theHistoryKeepsFifteenMinutesAndAnswersSince() {
        History h = new History();
        assertThat(h.latest()).isNull();
        assertThat(History.CAPACITY * History.INTERVAL_MS).isEqualTo(15 * 60 * 1000);
        for (int i = 1; i <= History.CAPACITY + 10; i++) {
            h.add(new History.Sample(i * 1000L, Map.of(), Map.of()));
        }
        List<History.Sample> all = h.since(0);
        assertThat(all).hasSize(History.CAPACITY);
        assertThat(all.get(0).atMillis()).isEqualTo(11_000);
        assertThat(h.since((History.CAPACITY + 8) * 1000L)).extracting(History.Sample::atMillis)
                .containsExactly((History.CAPACITY + 9) * 1000L, (History.CAPACITY + 10) * 1000L);
        assertThat(h.latest().atMillis()).isEqualTo((History.CAPACITY + 10) * 1000L);
    }
}

package org.l4lb.ha.instance;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class ForeignTrafficTest {

    @Test
    void everyStrangerHeardBetweenTwoLinesIsNamed() {
        Logger log = (Logger) LoggerFactory.getLogger(ForeignTraffic.class);
        ListAppender<ILoggingEvent> lines = new ListAppender<>();
        lines.start();
        log.addAppender(lines);
        try {
            ForeignTraffic t = new ForeignTraffic();
            long s = 1_000_000_000L;
            t.heard("lb2 (10.0.0.2:7800)", true, s);
            t.heard("lb1 (10.0.0.1:7800)", true, 2 * s);
            t.heard("lb2 (10.0.0.2:7800)", true, 3 * s);
            t.heard("lb2 (10.0.0.2:7800)", false, 12 * s);
            assertThat(lines.list).extracting(ILoggingEvent::getFormattedMessage).satisfiesExactly(
                    first -> assertThat(first).contains("dropped 1 cluster message(s) from lb2 (10.0.0.2:7800) that"),
                    second -> assertThat(second).contains("dropped 3 cluster message(s) from lb1 (10.0.0.1:7800),"
                            + " lb2 (10.0.0.2:7800) that"));
        } finally {
            log.detachAppender(lines);
        }
    }
}

package org.l4lb.ha.vip;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

class IpVipManagerTest {

    private final List<String> ran = new CopyOnWriteArrayList<>();
    private final Commands fake = new Commands() {
        @Override
        public Result run(List<String> command, Duration timeout) {
            ran.add(String.join(" ", command));
            if (command.contains("add") && ran.stream().filter(c -> c.contains("addr add")).count() > 1) {
                return new Result(2, "RTNETLINK answers: File exists");
            }
            return new Result(0, "");
        }
    };

    @Test
    void acquireAddsEachVipThenSendsGratuitousArpsAndReleaseRemoves() throws Exception {
        IpVipManager m = new IpVipManager("eth0", List.of("10.99.0.100/24", "10.99.0.101"), 3, Duration.ofMillis(20), fake);
        m.acquire();
        Thread.sleep(300);
        assertThat(ran).contains("ip addr add 10.99.0.100/24 dev eth0", "ip addr add 10.99.0.101/32 dev eth0");
        assertThat(ran.stream().filter(c -> c.equals("arping -U -c 1 -I eth0 10.99.0.100")).count()).isEqualTo(3);
        ran.clear();
        m.release();
        assertThat(ran).containsExactly("ip addr del 10.99.0.100/24 dev eth0", "ip addr del 10.99.0.101/32 dev eth0");
    }

    @Test
    void releaseCancelsTheAnnouncesStillToCome() throws Exception {
        IpVipManager m = new IpVipManager("eth0", List.of("10.99.0.100/24"), 5, Duration.ofMillis(200), fake);
        m.acquire();
        Thread.sleep(50);
        m.release();
        Thread.sleep(1200);
        assertThat(ran.stream().filter(c -> c.startsWith("arping")).count()).isEqualTo(1);
    }
}

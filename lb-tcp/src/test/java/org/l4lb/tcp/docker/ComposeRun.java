package org.l4lb.tcp.docker;

import java.util.ArrayList;
import java.util.List;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.Network;

/** One compose drill's network and the containers started on it, stopped in reverse order at the end. */
final class ComposeRun implements AutoCloseable {

    final Network network = ComposeImages.network();
    private final List<GenericContainer<?>> started = new ArrayList<>();

    GenericContainer<?> start(GenericContainer<?> c) {
        started.add(c);
        c.start();
        return c;
    }

    /** Every container started, in order. */
    List<GenericContainer<?>> containers() {
        return started;
    }

    @Override
    public void close() {
        for (int i = started.size() - 1; i >= 0; i--) {
            started.get(i).stop();
        }
        network.close();
    }
}

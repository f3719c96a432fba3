package org.l4lb.tcp.it;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;

/**
 * Ports for the listeners a test starts (and for ones it leaves closed), each given once per run.
 * They come from below Linux's ephemeral range (32768 and up by default): a port the kernel picks
 * for ServerSocket(0) is one it may pick again, between the check and the LB's bind, as the source
 * port of any outgoing connection (a test's client, the LB's own connect to a server).
 */
final class Ports {

    private static final int FIRST = 20_000;
    private static final int COUNT = 12_000;
    private static final Random RANDOM = new Random();
    private static final Set<Integer> GIVEN = new HashSet<>();

    private Ports() {
    }

    static synchronized int free() throws IOException {
        for (int tries = 0; tries < 1000; tries++) {
            int port = FIRST + RANDOM.nextInt(COUNT);
            if (GIVEN.add(port) && bindable(port)) {
                return port;
            }
        }
        throw new IOException("no free port between " + FIRST + " and " + (FIRST + COUNT));
    }

    private static boolean bindable(int port) {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}

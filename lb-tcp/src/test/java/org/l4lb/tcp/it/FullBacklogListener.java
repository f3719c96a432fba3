package org.l4lb.tcp.it;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A listener on loopback whose accept queue is full: the kernel drops further SYNs, so a connect to
 * it hangs, as to a dead host, until {@link #acceptAfterFillers} drains the queue (the connecting
 * side's SYN retransmit then gets through, a second or three later).
 */
final class FullBacklogListener implements AutoCloseable {

    private final ServerSocket server = new ServerSocket();
    private final List<Socket> fillers = new ArrayList<>();
    private final Set<Integer> fillerPorts = new HashSet<>();

    FullBacklogListener() throws IOException {
        server.bind(new InetSocketAddress("127.0.0.1", 0), 1);
        for (int i = 0; i < 8; i++) {
            Socket filler = new Socket();
            try {
                filler.connect(server.getLocalSocketAddress(), 300);
                fillers.add(filler);
                fillerPorts.add(filler.getLocalPort());
            } catch (SocketTimeoutException full) {
                filler.close();
                return;
            }
        }
        close();
        throw new IllegalStateException("8 connections queued on a backlog of 1: the queue never filled");
    }

    int port() {
        return server.getLocalPort();
    }

    /** Closes the fillers, then accepts the first connection that is not one of them. */
    Socket acceptAfterFillers(int timeoutMillis) throws IOException {
        for (Socket filler : fillers) {
            filler.close();
        }
        server.setSoTimeout(timeoutMillis);
        Socket s = server.accept();
        while (fillerPorts.contains(s.getPort())) {
            s.close();
            s = server.accept();
        }
        return s;
    }

    @Override
    public void close() throws IOException {
        for (Socket filler : fillers) {
            filler.close();
        }
        server.close();
    }
}

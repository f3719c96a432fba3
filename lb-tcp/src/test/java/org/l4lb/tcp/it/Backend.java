package org.l4lb.tcp.it;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/** A test server on loopback with one thread per connection, running a given conversation. */
final class Backend implements AutoCloseable {

    interface Conversation {
        void run(Socket s) throws Exception;
    }

    final String name;
    final String host;
    final int port;
    private final Conversation conversation;
    private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r);
        t.setDaemon(true);
        return t;
    });
    private volatile ServerSocket server;
    final AtomicInteger accepted = new AtomicInteger();

    Backend(String name, Conversation conversation) throws IOException {
        this(name, Ports.free(), conversation);
    }

    Backend(String name, int port, Conversation conversation) throws IOException {
        this(name, "127.0.0.1", port, conversation);
    }

    /** On another loopback address ({@code 127.0.0.2} ...), for names that resolve to several. */
    Backend(String name, String host, int port, Conversation conversation) throws IOException {
        this.name = name;
        this.host = host;
        this.port = port;
        this.conversation = conversation;
        start();
    }

    /** Listens (again, after {@link #stop}) on the same port. */
    void start() throws IOException {
        ServerSocket s = new ServerSocket();
        s.setReuseAddress(true);
        s.bind(new InetSocketAddress(InetAddress.getByName(host), port), 1024);
        server = s;
        threads.execute(() -> {
            while (!s.isClosed()) {
                try {
                    Socket c = s.accept();
                    accepted.incrementAndGet();
                    threads.execute(() -> {
                        try (c) {
                            conversation.run(c);
                        } catch (Exception ignored) {
                            // the test on the client side says what went wrong
                        }
                    });
                } catch (IOException e) {
                    return;
                }
            }
        });
    }

    /** Stops listening: new connects are refused, as when the server process dies. */
    void stop() throws IOException {
        server.close();
    }

    String address() {
        return host + ":" + port;
    }

    /** Answers every connection with its name and closes. */
    static Backend naming(String name) throws IOException {
        return new Backend(name, s -> nameTo(s, name));
    }

    /** {@link #naming} on a given loopback address and port. */
    static Backend naming(String name, String host, int port) throws IOException {
        return new Backend(name, host, port, s -> nameTo(s, name));
    }

    private static void nameTo(Socket s, String name) throws IOException {
        s.getOutputStream().write(name.getBytes());
        s.shutdownOutput();
        s.getInputStream().readAllBytes();
    }

    /** Which {@link #naming} backend answered each of {@code n} new connections to {@code port}, one after another. */
    static java.util.Map<String, Integer> served(int port, int n) throws IOException {
        java.util.Map<String, Integer> count = new java.util.TreeMap<>();
        for (int i = 0; i < n; i++) {
            try (Socket s = new Socket("127.0.0.1", port)) {
                s.setSoTimeout(5000);
                count.merge(new String(s.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.US_ASCII), 1,
                        Integer::sum);
            }
        }
        return count;
    }

    @Override
    public void close() throws IOException {
        server.close();
        threads.shutdownNow();
    }
}

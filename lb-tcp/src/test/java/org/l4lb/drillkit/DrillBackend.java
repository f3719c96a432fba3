package org.l4lb.drillkit;

import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * The drills' backend (netns drill and compose drill): answers every connection with the address
 * of its peer (the LB node that connected), prefixed by "NAME via " when a name is given, and a
 * newline, then closes. One thread, no fork per connection: socat's fork-and-shell per connection
 * took hundreds of milliseconds to work through the ~150 connections a SIGSTOPped node's kernel
 * queues and then hands on at once, and the other node's connections waited behind them.
 * JDK only, so that it runs from test-classes on any JRE: {@code java -cp DIR
 * org.l4lb.drillkit.DrillBackend PORT [NAME]}.
 */
public final class DrillBackend {

    private DrillBackend() {
    }

    public static void main(String[] args) throws Exception {
        String prefix = args.length > 1 ? args[1] + " via " : "";
        try (ServerSocket server = new ServerSocket()) {
            server.setReuseAddress(true);
            server.bind(new InetSocketAddress(Integer.parseInt(args[0])), 4096);
            System.out.println("ready");
            System.out.flush();
            while (true) {
                try (Socket s = server.accept()) {
                    OutputStream out = s.getOutputStream();
                    out.write((prefix + s.getInetAddress().getHostAddress() + "\n").getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                } catch (Exception e) {
                    // The peer went away first: nothing to answer.
                }
            }
        }
    }
}

package org.l4lb.drillkit;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * The drills' long-lived backend: echoes every line it reads, prefixed with the address of its
 * peer (the LB node that connected) and a space, until the peer closes; a thread per connection.
 * It lets a drill hold one connection open across a VIP move and see which node carried it.
 * JDK only: {@code java -cp DIR org.l4lb.drillkit.DrillEcho PORT}.
 */
public final class DrillEcho {

    private DrillEcho() {
    }

    public static void main(String[] args) throws Exception {
        try (ServerSocket server = new ServerSocket()) {
            server.setReuseAddress(true);
            server.bind(new InetSocketAddress(Integer.parseInt(args[0])), 256);
            System.out.println("ready");
            System.out.flush();
            while (true) {
                Socket s = server.accept();
                Thread t = new Thread(() -> echo(s));
                t.setDaemon(true);
                t.start();
            }
        }
    }

    private static void echo(Socket s) {
        try (s) {
            String peer = s.getInetAddress().getHostAddress();
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
            OutputStream out = s.getOutputStream();
            for (String line; (line = in.readLine()) != null; ) {
                out.write((peer + " " + line + "\n").getBytes(StandardCharsets.US_ASCII));
                out.flush();
            }
        } catch (Exception e) {
            // The peer went away: nothing more to echo.
        }
    }
}

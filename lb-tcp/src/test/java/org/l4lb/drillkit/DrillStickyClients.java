package org.l4lb.drillkit;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * Many clients, one connection each: from source PREFIX.1 to PREFIX.COUNT, connects to HOST:PORT,
 * reads the backend's one line ("be1 via 10.99.0.11") and prints "SOURCE LINE", or "SOURCE ERR
 * WHY". JDK only: {@code java -cp DIR org.l4lb.drillkit.DrillStickyClients HOST PORT PREFIX COUNT}.
 */
public final class DrillStickyClients {

    private DrillStickyClients() {
    }

    public static void main(String[] args) {
        String host = args[0];
        int port = Integer.parseInt(args[1]);
        String prefix = args[2];
        int count = Integer.parseInt(args[3]);
        for (int i = 1; i <= count; i++) {
            String source = prefix + "." + i;
            try (Socket s = new Socket()) {
                s.bind(new InetSocketAddress(source, 0));
                s.connect(new InetSocketAddress(host, port), 2000);
                s.setSoTimeout(2000);
                String line = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII)).readLine();
                System.out.println(source + " " + line);
            } catch (Exception e) {
                System.out.println(source + " ERR " + e);
            }
        }
        System.out.flush();
    }
}

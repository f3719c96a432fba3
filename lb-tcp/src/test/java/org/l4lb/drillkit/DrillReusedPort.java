package org.l4lb.drillkit;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * One connection from a fixed source port: connects from LOCAL_PORT to HOST:PORT, reads the answer
 * to its end (the server's FIN) and prints "ANSWER text"; with "hold" it then keeps its own side
 * open until a line comes on stdin; then it closes and prints "CLOSED". The flow-handoff drill
 * reuses with it a 4-tuple that an LB node still holds in TIME_WAIT.
 * JDK only, so that it runs from test-classes on any JRE: {@code java -cp DIR
 * org.l4lb.drillkit.DrillReusedPort HOST PORT LOCAL_PORT now|hold}.
 */
public final class DrillReusedPort {

    private DrillReusedPort() {
    }

    public static void main(String[] args) throws Exception {
        try (Socket s = new Socket()) {
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(Integer.parseInt(args[2])));
            s.connect(new InetSocketAddress(args[0], Integer.parseInt(args[1])), 2000);
            s.setSoTimeout(5000);
            String answer = new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim();
            System.out.println("ANSWER " + answer);
            System.out.flush();
            if (args[3].equals("hold")) {
                new BufferedReader(new InputStreamReader(System.in, StandardCharsets.US_ASCII)).readLine();
            }
        }
        System.out.println("CLOSED");
        System.out.flush();
    }
}

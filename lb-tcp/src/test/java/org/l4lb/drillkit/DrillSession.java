package org.l4lb.drillkit;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * The drills' long-lived client: one connection to HOST:PORT (a {@link DrillEcho} behind the VIP),
 * a random line sent every INTERVAL ms for DURATION ms, each answer checked byte for byte. Prints
 * "CONNECTED EPOCH_MS" once connected, then one result line:
 * "OK ROUNDS VIA" (VIA: the LB nodes that carried it, comma-separated) or
 * "FAIL EPOCH_MS ROUNDS REASON" (when it broke).
 * An answer must come within ANSWER_MS (1 s unless given). JDK only:
 * {@code java -cp DIR org.l4lb.drillkit.DrillSession HOST PORT INTERVAL_MS DURATION_MS [ANSWER_MS]}.
 */
public final class DrillSession {

    private DrillSession() {
    }

    public static void main(String[] args) {
        int answerMs = args.length > 4 ? Integer.parseInt(args[4]) : 1000;
        run(args[0], Integer.parseInt(args[1]), Long.parseLong(args[2]), Long.parseLong(args[3]), answerMs, "");
    }

    /** One session; its lines (CONNECTED, then OK or FAIL) start with {@code tag}. */
    static void run(String host, int port, long interval, long duration, int answerMs, String tag) {
        SecureRandom random = new SecureRandom();
        Set<String> via = new LinkedHashSet<>();
        int rounds = 0;
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(host, port), 1000);
            s.setSoTimeout(answerMs);
            print(tag + "CONNECTED " + System.currentTimeMillis());
            long end = System.currentTimeMillis() + duration;
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
            OutputStream out = s.getOutputStream();
            while (System.currentTimeMillis() < end) {
                byte[] payload = new byte[24];
                random.nextBytes(payload);
                String line = HexFormat.of().formatHex(payload);
                out.write((line + "\n").getBytes(StandardCharsets.US_ASCII));
                out.flush();
                String answer = in.readLine();
                if (answer == null) {
                    throw new IllegalStateException("closed by the other end");
                }
                int space = answer.indexOf(' ');
                if (space < 0 || !answer.substring(space + 1).equals(line)) {
                    throw new IllegalStateException("answer " + answer + " does not echo " + line);
                }
                via.add(answer.substring(0, space));
                rounds++;
                Thread.sleep(interval);
            }
            print(tag + "OK " + rounds + " " + String.join(",", via));
        } catch (Exception e) {
            print(tag + "FAIL " + System.currentTimeMillis() + " " + rounds + " " + e);
        }
    }

    private static synchronized void print(String line) {
        System.out.println(line);
        System.out.flush();
    }
}

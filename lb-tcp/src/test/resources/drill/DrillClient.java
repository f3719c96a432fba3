import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * The drill's client: a new connection to HOST:PORT every INTERVAL ms for DURATION ms; prints one
 * line per attempt: "MILLIS OK SERVED_BY" or "MILLIS FAIL REASON", MILLIS since the epoch.
 * Usage: java DrillClient.java HOST PORT INTERVAL_MS DURATION_MS
 */
public final class DrillClient {

    public static void main(String[] args) throws Exception {
        String host = args[0];
        int port = Integer.parseInt(args[1]);
        long interval = Long.parseLong(args[2]);
        long end = System.currentTimeMillis() + Long.parseLong(args[3]);
        StringBuilder out = new StringBuilder();
        while (System.currentTimeMillis() < end) {
            long start = System.currentTimeMillis();
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(host, port), 300);
                s.setSoTimeout(500);
                InputStream in = s.getInputStream();
                String answer = new String(in.readAllBytes(), StandardCharsets.US_ASCII).trim();
                out.append(start).append(answer.isEmpty() ? " FAIL empty" : " OK " + answer).append('\n');
            } catch (Exception e) {
                out.append(start).append(" FAIL ").append(e.getClass().getSimpleName()).append('\n');
            }
            if (out.length() > 4096) {
                System.out.print(out);
                System.out.flush();
                out.setLength(0);
            }
            long wait = interval - (System.currentTimeMillis() - start);
            if (wait > 0) {
                Thread.sleep(wait);
            }
        }
        System.out.print(out);
        System.out.flush();
    }
}

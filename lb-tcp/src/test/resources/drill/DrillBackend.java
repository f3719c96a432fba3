import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * The drill's backend: answers every connection with the address of its peer (the LB node that
 * connected) and a newline, then closes. One thread, no fork per connection: socat's
 * fork-and-shell per connection took hundreds of milliseconds to work through the ~150
 * connections a SIGSTOPped node's kernel queues and then hands on at once, and the other node's
 * connections waited behind them.
 * Usage: java DrillBackend.java PORT
 */
public final class DrillBackend {

    public static void main(String[] args) throws Exception {
        try (ServerSocket server = new ServerSocket()) {
            server.setReuseAddress(true);
            server.bind(new InetSocketAddress(Integer.parseInt(args[0])), 4096);
            System.out.println("ready");
            System.out.flush();
            while (true) {
                try (Socket s = server.accept()) {
                    OutputStream out = s.getOutputStream();
                    out.write((s.getInetAddress().getHostAddress() + "\n").getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                } catch (Exception e) {
                    // The peer went away first: nothing to answer.
                }
            }
        }
    }
}

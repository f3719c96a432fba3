import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * The demo's backend: answers every connection with its own name and closes.
 * Run as a single-file program: java examples/DemoBackend.java NAME PORT [BIND_ADDRESS]
 */
public final class DemoBackend {

    public static void main(String[] args) throws IOException {
        if (args.length < 2) {
            System.err.println("usage: java DemoBackend.java NAME PORT [BIND_ADDRESS]");
            System.exit(64);
        }
        byte[] answer = (args[0] + "\n").getBytes(StandardCharsets.UTF_8);
        InetAddress bind = InetAddress.getByName(args.length > 2 ? args[2] : "127.0.0.1");
        try (ServerSocket server = new ServerSocket(Integer.parseInt(args[1]), 128, bind)) {
            System.out.println(args[0] + " listening on " + server.getLocalSocketAddress());
            while (true) {
                Socket s = server.accept();
                Thread t = new Thread(() -> {
                    try (s; OutputStream out = s.getOutputStream()) {
                        out.write(answer);
                        s.shutdownOutput();
                    } catch (IOException ignored) {
                        // a client that left early is no concern of the demo
                    }
                });
                t.setDaemon(true);
                t.start();
            }
        }
    }
}

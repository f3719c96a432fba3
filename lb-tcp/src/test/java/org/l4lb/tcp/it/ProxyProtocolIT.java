package org.l4lb.tcp.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * PROXY protocol both ways, byte for byte against the examples of HAProxy's proxy-protocol.txt.
 * The backend echoes back exactly what it received, header included.
 */
class ProxyProtocolIT {

    private static final byte[] V2_SIGNATURE = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};

    @TempDir
    Path dir;

    /** Reads one PROXY header (v1 line or v2 block) and the payload after it, and echoes all of it. */
    static void echoHeaderAndPayload(Socket s) throws Exception {
        DataInputStream in = new DataInputStream(s.getInputStream());
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        int first = in.read();
        got.write(first);
        if (first == 'P') {
            int c;
            while ((c = in.read()) != '\n') {
                got.write(c);
            }
            got.write('\n');
        } else {
            byte[] rest = new byte[15];
            in.readFully(rest);
            got.write(rest);
            byte[] addresses = new byte[((rest[13] & 0xff) << 8) | (rest[14] & 0xff)];
            in.readFully(addresses);
            got.write(addresses);
        }
        got.write(in.readAllBytes());
        s.getOutputStream().write(got.toByteArray());
        s.shutdownOutput();
    }

    private static byte[] exchange(int port, String source, byte[] send) throws Exception {
        try (Socket c = new Socket()) {
            c.bind(new InetSocketAddress(source, 0));
            c.connect(new InetSocketAddress("127.0.0.1", port));
            c.setSoTimeout(5000);
            c.getOutputStream().write(send);
            c.shutdownOutput();
            return c.getInputStream().readAllBytes();
        }
    }

    /** As {@link #exchange}, for a connection the node may refuse: a reset reads as nothing received. */
    private static byte[] refusedExchange(int port, String source, byte[] send) throws Exception {
        try {
            return exchange(port, source, send);
        } catch (java.net.SocketException e) {
            assertThat(e.getMessage()).contains("reset");
            return new byte[0];
        }
    }

    /** The next byte, -1 at the end, and -1 too for a reset: either way the node closed the connection. */
    private static int readOrReset(Socket s) throws Exception {
        try {
            return s.getInputStream().read();
        } catch (java.net.SocketException e) {
            assertThat(e.getMessage()).contains("reset");
            return -1;
        }
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    /** The v2 header of the specification's section 2.2 for TCP over IPv4. */
    static byte[] v2Tcp4(String src, String dst, int srcPort, int dstPort) throws Exception {
        ByteBuffer b = ByteBuffer.allocate(16 + 12);
        b.put(V2_SIGNATURE).put((byte) 0x21).put((byte) 0x11).putShort((short) 12);
        b.put(java.net.InetAddress.getByName(src).getAddress()).put(java.net.InetAddress.getByName(dst).getAddress());
        b.putShort((short) srcPort).putShort((short) dstPort);
        return b.array();
    }

    @Test
    void sendsV1WithTheClientsRealAddress() throws Exception {
        try (Backend echo = new Backend("echo", ProxyProtocolIT::echoHeaderAndPayload)) {
            int port = Ports.free();
            try (LbProcess lb = LbProcess.start(dir, """
                    services.s { listen = ["127.0.0.1:%d"], servers = ["%s"], proxy-protocol = v1 }
                    """.formatted(port, echo.address()))) {
                try (Socket c = new Socket()) {
                    c.bind(new InetSocketAddress("127.0.0.5", 0));
                    c.connect(new InetSocketAddress("127.0.0.1", port));
                    c.getOutputStream().write(ascii("hello"));
                    c.shutdownOutput();
                    String got = new String(c.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
                    assertThat(got).isEqualTo("PROXY TCP4 127.0.0.5 127.0.0.1 " + c.getLocalPort() + " " + port + "\r\nhello");
                }
            }
        }
    }

    @Test
    void acceptsV1AndForwardsTheSpecificationExampleByteForByte() throws Exception {
        try (Backend echo = new Backend("echo", ProxyProtocolIT::echoHeaderAndPayload)) {
            int port = Ports.free();
            try (LbProcess lb = LbProcess.start(dir, """
                    services.s { listen = ["127.0.0.1:%d"], servers = ["%s"], accept-proxy = true, proxy-protocol = v1 }
                    """.formatted(port, echo.address()))) {
                for (String header : new String[] {"PROXY TCP4 255.255.255.255 255.255.255.255 65535 65535\r\n",
                    "PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\n"}) {
                    byte[] got = exchange(port, "127.0.0.1", concat(ascii(header), ascii("GET / HTTP/1.1\r\n\r\n")));
                    assertThat(new String(got, StandardCharsets.US_ASCII)).isEqualTo(header + "GET / HTTP/1.1\r\n\r\n");
                }
                DataIntegrityIT.waitForAccessLines(lb, 2);
                // Sessions end on different event loops, so their access lines may come in either order.
                assertThat(lb.accessLines()).as("logs see the proxied client").anySatisfy(l -> assertThat(l).contains(" 192.168.0.1:56324 -> "));
            }
        }
    }

    @Test
    void acceptsV2AndSendsV2ByteForByte() throws Exception {
        try (Backend echo = new Backend("echo", ProxyProtocolIT::echoHeaderAndPayload)) {
            int port = Ports.free();
            try (LbProcess lb = LbProcess.start(dir, """
                    services.s { listen = ["127.0.0.1:%d"], servers = ["%s"], accept-proxy = true, proxy-protocol = v2 }
                    """.formatted(port, echo.address()))) {
                byte[] header = v2Tcp4("192.168.0.1", "192.168.0.11", 56324, 443);
                assertThat(HexFormat.of().formatHex(header))
                        .isEqualTo("0d0a0d0a000d0a515549540a" + "21" + "11" + "000c" + "c0a80001" + "c0a8000b" + "dc04" + "01bb");
                byte[] got = exchange(port, "127.0.0.1", concat(header, ascii("payload")));
                assertThat(HexFormat.of().formatHex(got)).isEqualTo(HexFormat.of().formatHex(concat(header, ascii("payload"))));
            }
        }
    }

    @Test
    void aclsAndStrategiesSeeTheProxiedAddress() throws Exception {
        try (Backend echo = new Backend("echo", ProxyProtocolIT::echoHeaderAndPayload)) {
            int port = Ports.free();
            try (LbProcess lb = LbProcess.start(dir, """
                    services.s {
                      listen = ["127.0.0.1:%d"], servers = ["%s"], accept-proxy = true
                      deny = ["192.168.0.0/16"]
                    }
                    """.formatted(port, echo.address()))) {
                byte[] got = exchange(port, "127.0.0.1", ascii("PROXY TCP4 192.168.7.7 10.0.0.1 1234 80\r\nx"));
                assertThat(got).isEmpty();
                byte[] ok = exchange(port, "127.0.0.1", ascii("PROXY TCP4 172.16.7.7 10.0.0.1 1234 80\r\nPROXY UNKNOWN\r\n"));
                assertThat(new String(ok, StandardCharsets.US_ASCII)).isEqualTo("PROXY UNKNOWN\r\n");
                assertThat(lb.metric("l4lb_service_refused_total{reason=\"denied\",service=\"s\"}")).isEqualTo(1.0);
            }
        }
    }

    @Test
    void malformedOrMissingHeadersAreRejectedCountedAndLogged() throws Exception {
        try (Backend echo = new Backend("echo", ProxyProtocolIT::echoHeaderAndPayload)) {
            int port = Ports.free();
            try (LbProcess lb = LbProcess.start(dir, """
                    services.s {
                      listen = ["127.0.0.1:%d"], servers = ["%s"], accept-proxy = true, accept-proxy-timeout = 400ms
                      health-check.type = none
                    }
                    """.formatted(port, echo.address()))) {
                assertThat(exchange(port, "127.0.0.1", ascii("PROXY TCP4 999.1.1.1 10.0.0.1 1 2\r\n"))).isEmpty();
                assertThat(exchange(port, "127.0.0.1", ascii("GET / HTTP/1.0\r\n\r\n"))).isEmpty();
                try (Socket silent = new Socket("127.0.0.1", port)) {
                    silent.setSoTimeout(5000);
                    InputStream in = silent.getInputStream();
                    assertThat(in.read()).isEqualTo(-1);
                }
                DataIntegrityIT.waitForAccessLines(lb, 3);
                assertThat(lb.metric("l4lb_service_sessions_ended_total{end=\"proxy-header-invalid\",service=\"s\"}")).isEqualTo(2.0);
                assertThat(lb.metric("l4lb_service_sessions_ended_total{end=\"proxy-header-timeout\",service=\"s\"}")).isEqualTo(1.0);
                assertThat(lb.log()).contains("bad PROXY header from 127.0.0.1:").contains("no PROXY header from 127.0.0.1:");
                assertThat(echo.accepted.get()).isZero();
            }
        }
    }

    private static void echo(Socket s) throws Exception {
        s.getInputStream().transferTo(s.getOutputStream());
        s.shutdownOutput();
    }

    /** A v2 PROXY header for a client of a UNIX stream socket: two 108-byte paths (specification 2.2). */
    static byte[] v2Unix(String sourcePath, String destinationPath) {
        ByteBuffer b = ByteBuffer.allocate(16 + 216);
        b.put(V2_SIGNATURE).put((byte) 0x21).put((byte) 0x31).putShort((short) 216);
        b.put(java.util.Arrays.copyOf(ascii(sourcePath), 108)).put(java.util.Arrays.copyOf(ascii(destinationPath), 108));
        return b.array();
    }

    @Test
    void aUnixFamilyHeaderLeavesTheConnectionsOwnAddressAndResolvesNothing() throws Exception {
        try (Backend backend = new Backend("echo", ProxyProtocolIT::echo)) {
            int port = Ports.free();
            try (LbProcess lb = LbProcess.start(dir, """
                    services.s { listen = ["127.0.0.1:%d"], servers = ["%s"], accept-proxy = true, health-check.type = none }
                    """.formatted(port, backend.address()))) {
                java.util.Random random = new java.util.Random();
                int n = 500;
                for (int i = 0; i < n; i++) {
                    // A path no resolver knows: looked up as a host name, it would fail or hang.
                    byte[] payload = new byte[1 + random.nextInt(2048)];
                    random.nextBytes(payload);
                    byte[] got = exchange(port, "127.0.0.1", concat(v2Unix("/run/no-such-host-" + i + ".invalid", "/run/app.sock"), payload));
                    assertThat(got).as("connection %d echoed byte for byte", i).isEqualTo(payload);
                }
                DataIntegrityIT.waitForAccessLines(lb, n);
                assertThat(lb.accessLines()).hasSize(n).allSatisfy(l -> assertThat(l).contains(" s 127.0.0.1:").contains("-closed"));
                assertThat(lb.metricSum("l4lb_service_sessions_ended_total", "client-reset")).isZero();
                assertThat(lb.log()).doesNotContain("\tat ", "Exception");
            }
        }
    }

    @Test
    void aV1HeaderEndingInABareLineFeedIsRefusedAtOnce() throws Exception {
        try (Backend backend = new Backend("echo", ProxyProtocolIT::echo)) {
            int port = Ports.free();
            try (LbProcess lb = LbProcess.start(dir, """
                    services.s {
                      listen = ["127.0.0.1:%d"], servers = ["%s"], accept-proxy = true, accept-proxy-timeout = 60s
                      health-check.type = none
                    }
                    """.formatted(port, backend.address()))) {
                try (Socket c = new Socket("127.0.0.1", port)) {
                    // The client waits for an answer, as a client of a request/response protocol does.
                    c.setSoTimeout(10_000);
                    c.getOutputStream().write(ascii("PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\n"));
                    long sent = System.nanoTime();
                    assertThat(readOrReset(c)).isEqualTo(-1);
                    assertThat(Duration.ofNanos(System.nanoTime() - sent)).as("refused long before the header's timeout")
                            .isLessThan(Duration.ofSeconds(5));
                }
                DataIntegrityIT.waitForAccessLines(lb, 1);
                assertThat(lb.metric("l4lb_service_sessions_ended_total{end=\"proxy-header-invalid\",service=\"s\"}")).isEqualTo(1.0);
                assertThat(lb.log()).contains("bad PROXY header from 127.0.0.1:").contains("LF without CR");
                assertThat(backend.accepted.get()).isZero();
            }
        }
    }

    @Test
    void connectionsWaitingForTheirHeaderCountAgainstTheServiceLimit() throws Exception {
        try (Backend backend = new Backend("echo", ProxyProtocolIT::echo)) {
            int port = Ports.free();
            try (LbProcess lb = LbProcess.start(dir, """
                    services.s {
                      listen = ["127.0.0.1:%d"], servers = ["%s"], accept-proxy = true, accept-proxy-timeout = 60s
                      max-connections = 20, health-check.type = none
                    }
                    """.formatted(port, backend.address()))) {
                List<Socket> silent = new ArrayList<>();
                try {
                    for (int i = 0; i < 500; i++) {
                        silent.add(new Socket("127.0.0.1", port));
                    }
                    String refused = "l4lb_service_refused_total{reason=\"service-limit\",service=\"s\"}";
                    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
                    while (lb.metric(refused) < 480 && System.nanoTime() < deadline) {
                        Thread.sleep(50);
                    }
                    assertThat(lb.metric(refused)).as("refused at accept, before any header").isEqualTo(480.0);
                    int held = 0;
                    for (Socket s : silent) {
                        s.setSoTimeout(100);
                        try {
                            if (s.getInputStream().read() < 0) {
                                continue;
                            }
                        } catch (java.net.SocketTimeoutException e) {
                            held++;
                        } catch (java.io.IOException e) {
                            continue; // reset: refused too
                        }
                    }
                    assertThat(held).as("connections still waiting for their header").isEqualTo(20);
                    assertThat(refusedExchange(port, "127.0.0.1", concat(v2Tcp4("192.168.0.1", "192.168.0.11", 1, 2), ascii("x"))))
                            .as("no place left for one more").isEmpty();
                } finally {
                    for (Socket s : silent) {
                        s.close();
                    }
                }
                // The places come back once those connections close.
                long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
                byte[] got = new byte[0];
                while (got.length == 0 && System.nanoTime() < deadline) {
                    got = refusedExchange(port, "127.0.0.1", concat(v2Tcp4("192.168.0.1", "192.168.0.11", 1, 2), ascii("back")));
                }
                assertThat(new String(got, StandardCharsets.US_ASCII)).isEqualTo("back");
            }
        }
    }

    @Test
    void aHeaderFromOutsideTheTrustedSourcesIsRefusedUnread() throws Exception {
        try (Backend backend = new Backend("echo", ProxyProtocolIT::echo)) {
            int port = Ports.free();
            try (LbProcess lb = LbProcess.start(dir, """
                    services.s {
                      listen = ["127.0.0.1:%d"], servers = ["%s"], accept-proxy = true, accept-proxy-from = ["127.0.0.2/32"]
                      allow = ["192.168.0.0/16"], health-check.type = none
                    }
                    """.formatted(port, backend.address()))) {
                byte[] header = v2Tcp4("192.168.0.1", "192.168.0.11", 56324, 443);
                assertThat(refusedExchange(port, "127.0.0.1", concat(header, ascii("forged")))).as("from an untrusted source").isEmpty();
                assertThat(new String(exchange(port, "127.0.0.2", concat(header, ascii("trusted"))), StandardCharsets.US_ASCII))
                        .isEqualTo("trusted");
                DataIntegrityIT.waitForAccessLines(lb, 2);
                assertThat(lb.metric("l4lb_service_refused_total{reason=\"proxy-untrusted\",service=\"s\"}")).isEqualTo(1.0);
                assertThat(lb.accessLines()).anySatisfy(l -> assertThat(l).contains(" 192.168.0.1:56324 -> "))
                        .anySatisfy(l -> assertThat(l).contains(" 127.0.0.1:").contains("end=refused"));
                assertThat(backend.accepted.get()).isEqualTo(1);
            }
        }
    }
}

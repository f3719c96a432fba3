package org.l4lb.core.net;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The text nginx's $remote_addr has (ngx_inet6_ntop rules: RFC 5952 with nginx's IPv4-tail cases). */
class AddressTextTest {

    @ParameterizedTest
    @CsvSource({
        "10.1.2.3, 10.1.2.3",
        "0.0.0.0, 0.0.0.0",
        "255.255.255.255, 255.255.255.255",
        "2001:db8:0:0:0:0:0:1, 2001:db8::1",
        "2001:db8:0:1:0:0:0:1, 2001:db8:0:1::1",
        "2001:0:0:1:0:0:0:1, 2001:0:0:1::1",
        "2001:db8:1:1:1:1:0:1, 2001:db8:1:1:1:1:0:1",
        "0:0:0:0:0:0:0:1, ::1",
        "0:0:0:0:0:0:0:0, ::",
        "fe80:0:0:0:0:0:0:0, fe80::",
        "::ffff:0102:0304, ::ffff:1.2.3.4",
        "::0102:0304, ::1.2.3.4",
        "ABCD:EF01:2345:6789:ABCD:EF01:2345:6789, abcd:ef01:2345:6789:abcd:ef01:2345:6789",
    })
    void writesNginxRemoteAddr(String address, String expected) throws Exception {
        byte[] raw = InetAddress.getByName(address).getAddress();
        if (address.startsWith("::ffff:")) {
            // Java folds IPv4-mapped addresses to IPv4; build the 16 bytes a dual-stack socket reports.
            raw = new byte[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xff, (byte) 0xff, 1, 2, 3, 4};
        }
        byte[] out = new byte[64];
        int n = AddressText.write(raw, raw.length, 0, false, out);
        assertThat(new String(out, 0, n, StandardCharsets.US_ASCII)).isEqualTo(expected);
    }

    @ParameterizedTest
    @CsvSource({"10.1.2.3, 0, 10.1.2.3:0", "10.1.2.3, 65535, 10.1.2.3:65535", "::1, 443, ::1:443"})
    void appendsThePort(String address, int port, String expected) throws Exception {
        byte[] raw = InetAddress.getByName(address).getAddress();
        byte[] out = new byte[64];
        int n = AddressText.write(raw, raw.length, port, true, out);
        assertThat(new String(out, 0, n, StandardCharsets.US_ASCII)).isEqualTo(expected);
    }
}

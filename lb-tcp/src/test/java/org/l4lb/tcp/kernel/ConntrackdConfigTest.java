package org.l4lb.tcp.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.l4lb.core.config.ConntrackSyncConfig;

class ConntrackdConfigTest {

    @Test
    void ftfwOverUdpToThePeerWithTheNodesOwnFilesAndTheSyncLinkLeftOut() {
        String c = ConntrackdConfig.render(new ConntrackSyncConfig(true, "10.99.11.11", "10.99.11.12", "", 3780), "eth0",
                Path.of("/tmp/l4lb-node1"));
        assertThat(c).contains("Mode FTFW {")
                .contains("IPv4_address 10.99.11.11\n")
                .contains("IPv4_Destination_Address 10.99.11.12\n")
                .contains("Port 3780\n")
                .contains("Interface eth0\n")
                .contains("LockFile /tmp/l4lb-node1/conntrackd.lock\n")
                .contains("Path /tmp/l4lb-node1/conntrackd.ctl\n")
                .contains("LogFile /tmp/l4lb-node1/conntrackd.log\n")
                .containsPattern("Protocol Accept \\{\\s+TCP\\s+\\}")
                .containsPattern("Address Ignore \\{[^}]*IPv4_address 127.0.0.1[^}]*IPv4_address 10.99.11.11[^}]*"
                        + "IPv4_address 10.99.11.12[^}]*\\}");
    }
}

package org.l4lb.tcp.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class OpenFlowsTest {

    @Test
    void countsTheOpenDestinationNatedFlowsByListenerAndServer() {
        String out = """
                tcp      6 431999 ESTABLISHED src=10.99.6.31 dst=10.99.6.11 sport=40001 dport=85 src=10.99.6.21 dst=10.99.6.11 sport=8081 dport=40001 [ASSURED] mark=0 use=1
                tcp      6 431998 ESTABLISHED src=10.99.6.31 dst=10.99.6.11 sport=40002 dport=85 src=10.99.6.21 dst=10.99.6.11 sport=8081 dport=40002 [ASSURED] mark=0 use=1
                tcp      6 119 SYN_SENT src=10.99.7.31 dst=10.99.6.11 sport=40003 dport=85 [UNREPLIED] src=10.99.6.22 dst=10.99.7.31 sport=8081 dport=40003 mark=0 use=1
                tcp      6 100 TIME_WAIT src=10.99.6.31 dst=10.99.6.11 sport=40004 dport=85 src=10.99.6.21 dst=10.99.6.11 sport=8081 dport=40004 [ASSURED] mark=0 use=1
                tcp      6 431999 ESTABLISHED src=127.0.0.1 dst=127.0.0.1 sport=50000 dport=9090 src=127.0.0.1 dst=127.0.0.1 sport=9090 dport=50000 [ASSURED] mark=0 use=1
                tcp      6 431999 ESTABLISHED src=10.99.6.31 dst=10.99.6.11 sport=40005 dport=85 src=10.99.6.21 dst=10.99.6.11 sport=8081conntrack v1.4.7 (conntrack-tools): 7 flow entries have been shown.
                udp      17 29 src=10.99.6.31 dst=10.99.6.11 sport=5000 dport=85 src=10.99.6.21 dst=10.99.6.31 sport=85 dport=5000 mark=0 use=1
                """;
        assertThat(OpenFlows.parse(out)).containsOnly(
                org.assertj.core.api.Assertions.entry(new OpenFlows.Key("10.99.6.11", 85, "10.99.6.21", 8081), 2),
                org.assertj.core.api.Assertions.entry(new OpenFlows.Key("10.99.6.11", 85, "10.99.6.22", 8081), 1));
    }
}

package org.l4lb.tcp.kernel;

import java.nio.file.Path;
import org.l4lb.core.config.ConntrackSyncConfig;

/** conntrackd's configuration for one node: FTFW over UDP to the peer, TCP flows only, its files in one directory. */
final class ConntrackdConfig {

    private ConntrackdConfig() {
    }

    static String render(ConntrackSyncConfig c, String iface, Path dir) {
        return """
                # Written by l4lb at each start from ha.conntrack-sync; changes here are lost.
                Sync {
                    Mode FTFW {
                    }
                    UDP {
                        IPv4_address %s
                        IPv4_Destination_Address %s
                        Port %d
                        Interface %s
                        SndSocketBuffer 1249280
                        RcvSocketBuffer 1249280
                        Checksum on
                    }
                }
                General {
                    HashSize 32768
                    HashLimit 131072
                    LogFile %s
                    Syslog off
                    LockFile %s
                    UNIX {
                        Path %s
                    }
                    NetlinkBufferSize 2097152
                    NetlinkBufferSizeMaxGrowth 8388608
                    Filter From Userspace {
                        Protocol Accept {
                            TCP
                        }
                        # The sync link's own traffic and the node's own loopback are not flows to copy.
                        Address Ignore {
                            IPv4_address 127.0.0.1
                            IPv4_address %s
                            IPv4_address %s
                        }
                    }
                }
                """.formatted(c.address(), c.peer(), c.port(), iface, dir.resolve("conntrackd.log"),
                dir.resolve("conntrackd.lock"), dir.resolve("conntrackd.ctl"), c.address(), c.peer());
    }
}

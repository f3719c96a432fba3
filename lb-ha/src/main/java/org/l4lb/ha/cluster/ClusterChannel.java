package org.l4lb.ha.cluster;

import java.nio.charset.StandardCharsets;
import java.security.spec.KeySpec;
import java.util.ArrayList;
import java.util.List;
import javax.crypto.SecretKey;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import javax.crypto.spec.SecretKeySpec;
import org.jgroups.JChannel;
import org.jgroups.protocols.FD_ALL3;
import org.jgroups.protocols.FD_SOCK;
import org.jgroups.protocols.FRAG2;
import org.jgroups.protocols.MERGE3;
import org.jgroups.protocols.PING;
import org.jgroups.protocols.TCP;
import org.jgroups.protocols.TCPPING;
import org.jgroups.protocols.UDP;
import org.jgroups.protocols.UNICAST3;
import org.jgroups.protocols.VERIFY_SUSPECT2;
import org.jgroups.protocols.pbcast.GMS;
import org.jgroups.protocols.pbcast.NAKACK2;
import org.jgroups.protocols.pbcast.STABLE;
import org.jgroups.stack.Protocol;

/**
 * Builds a node's JGroups stack in code (no XML to drift from the config):
 * TCP + TCPPING over the configured peers, or UDP + PING multicast without peers;
 * MERGE3 to heal partitions; FD_SOCK so a killed process is noticed at once; FD_ALL3 for a hung
 * or cut-off one; and, right above the transport, {@link SealedMessages}: every message sealed
 * with the shared secret, so that only nodes that have it take part in anything.
 *
 * <p>FD_SOCK rather than FD_SOCK2: after a merge (two nodes started together, or a healed
 * partition) FD_SOCK2's connect to its new neighbour fails, it suspects and unsuspects it, and then
 * watches nobody, so a SIGKILL went unnoticed for FD_ALL3's timeout (seen in the drill, 4 s).
 * FD_SOCK noticed the same kill after a merge in 140 ms.
 */
public final class ClusterChannel {

    private ClusterChannel() {
    }

    public static JChannel create(ClusterSettings s, SealedMessages.Strangers strangers) throws Exception {
        long advert = s.advertInterval().toMillis();
        List<Protocol> stack = new ArrayList<>();
        if (s.peers().isEmpty()) {
            UDP udp = new UDP();
            udp.setBindAddress(s.bind().getAddress());
            udp.setBindPort(s.bind().getPort());
            stack.add(udp);
            seal(stack, s, strangers);
            stack.add(new PING());
        } else {
            TCP tcp = new TCP();
            tcp.setBindAddress(s.bind().getAddress());
            tcp.setBindPort(s.bind().getPort());
            tcp.setPortRange(0);
            stack.add(tcp);
            seal(stack, s, strangers);
            TCPPING ping = new TCPPING();
            ping.setInitialHosts(s.peers());
            ping.setPortRange(0);
            stack.add(ping);
        }
        stack.add(new MERGE3());
        FD_SOCK fdSock = new FD_SOCK();
        fdSock.setBindAddress(s.bind().getAddress());
        stack.add(fdSock);
        stack.add(new FD_ALL3());
        VERIFY_SUSPECT2 verify = new VERIFY_SUSPECT2();
        // A crash closes FD_SOCK's socket, which is proof enough; a living node answers the check
        // within a LAN round trip. Every millisecond here is outage after a SIGKILL: the check
        // waits up to twice this (a dead host in the compose drill took 230 ms from kill to view
        // with 100).
        verify.setTimeout(50);
        stack.add(verify);
        stack.add(new NAKACK2());
        stack.add(new UNICAST3());
        stack.add(new STABLE());
        GMS gms = new GMS();
        // A peer that answered discovery but whose join reply did not come in time is alive: a node
        // that gave up on it formed a group of its own, and once the election's start-up wait was
        // over it could claim the VIPs that peer serves until MERGE3 joined the two. A dead or
        // stopped peer answers no discovery, so a node alone starts at once whatever this is.
        gms.setMaxJoinAttempts(5);
        // Its banner goes to stdout between the log lines; the node logs its address itself when it joins.
        gms.printLocalAddress(false);
        stack.add(gms);
        stack.add(new FRAG2());
        time(stack, advert);
        JChannel ch = new JChannel(stack);
        ch.name(s.nodeName());
        return ch;
    }

    /** Every message sealed with the secret, right above the transport; none without a secret (insecure). */
    private static void seal(List<Protocol> stack, ClusterSettings s, SealedMessages.Strangers strangers) throws Exception {
        if (!s.secret().isEmpty()) {
            stack.add(new SealedMessages(key(s.secret(), s.group()), s.group(), s.nodeName(), strangers));
        }
    }

    /**
     * Sets the stack's timings for another advert interval (a reload). Timeouts apply from their
     * next use; the failure detector's heartbeat keeps the period it started with until the next
     * start, which only makes a hung node leave the view at the old pace (no failover waits for it).
     */
    public static void retime(JChannel ch, long advertMillis) {
        time(ch.getProtocolStack().getProtocols(), advertMillis);
    }

    private static void time(List<Protocol> stack, long advert) {
        for (Protocol p : stack) {
            if (p instanceof TCP tcp) {
                tcp.setSockConnTimeout((int) Math.max(200, advert));
            } else if (p instanceof MERGE3 merge) {
                merge.setMinInterval(Math.max(200, advert / 2));
                merge.setMaxInterval(Math.max(500, advert));
                merge.setCheckInterval(Math.max(1000, advert * 2));
            } else if (p instanceof FD_ALL3 fdAll) {
                // The election already ignores a node whose adverts stop for 3 intervals; this takes
                // it out of the view a little later, which no failover waits for.
                fdAll.setInterval(Math.max(100, advert / 2));
                fdAll.setTimeout(advert * 4);
            } else if (p instanceof GMS gms) {
                gms.setJoinTimeout(Math.max(500, advert));
                gms.setMergeTimeout(Math.max(1000, advert * 2));
                gms.setViewAckCollectionTimeout(Math.max(500, advert));
            }
        }
    }

    /** An AES key stretched from the secret, salted with the group so groups never share keys. */
    static SecretKey key(String secret, String group) throws Exception {
        KeySpec spec = new PBEKeySpec(secret.toCharArray(), ("l4lb-group:" + group).getBytes(StandardCharsets.UTF_8),
                100_000, 128);
        byte[] raw = SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256").generateSecret(spec).getEncoded();
        return new SecretKeySpec(raw, "AES");
    }
}

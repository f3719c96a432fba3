package org.l4lb.core.config;

import java.time.Duration;
import java.util.List;

/**
 * One VRRP-style instance (keepalived {@code vrrp_instance}): a group whose master holds its VIPs.
 * A node runs one per entry of {@code ha.instances}, or one from the {@code ha} block itself.
 *
 * @param name the instance's name in {@code ha.instances}; {@value #SHORTHAND} for the {@code ha} block itself
 * @param virtualIps addresses with optional prefix ({@code 10.0.0.100/24}) the master holds
 * @param peers other nodes' cluster endpoints; empty means UDP multicast discovery
 * @param bind this node's cluster endpoint
 * @param trackServices services whose having no eligible server lowers the priority
 * @param trackServiceWeight priority change while a tracked service has no eligible server; 0 forces FAULT
 * @param trackInterfaces interfaces whose link going down, or losing its addresses, lowers the priority
 * @param flowHandoff on a planned move the old master keeps serving its open connections, the new
 *     master passing it their packets (nftables)
 * @param flowHandoffTimeout how long a master that was preempted keeps serving its open connections
 * @param nice the HA threads' scheduling priority (keepalived vrrp_priority), -20 first; 0 leaves it
 * @param warmUpConnections loopback connections run through the data path before joining the group
 * @param syncGroup the sync group this instance moves with (keepalived {@code vrrp_sync_group}); empty: none
 * @param conntrackSync the node's conntrack replication (conntrackd), set in {@code ha} itself
 */
public record HaConfig(
        String name,
        boolean enabled,
        String group,
        int priority,
        Duration advertInterval,
        boolean preempt,
        Duration preemptDelay,
        String networkInterface,
        List<String> virtualIps,
        List<HostPort> peers,
        HostPort bind,
        String secret,
        boolean insecure,
        String notifyScript,
        VipManagerKind vipManager,
        int garpRepeat,
        Duration garpInterval,
        boolean flowHandoff,
        Duration flowHandoffTimeout,
        List<String> trackServices,
        int trackServiceWeight,
        List<TrackScriptConfig> trackScripts,
        List<TrackInterfaceConfig> trackInterfaces,
        int nice,
        int warmUpConnections,
        String syncGroup,
        ConntrackSyncConfig conntrackSync) {

    /** The name of the instance an {@code ha} block without {@code instances} makes. */
    public static final String SHORTHAND = "default";

    public HaConfig {
        virtualIps = List.copyOf(virtualIps);
        peers = List.copyOf(peers);
        trackServices = List.copyOf(trackServices);
        trackScripts = List.copyOf(trackScripts);
        trackInterfaces = List.copyOf(trackInterfaces);
    }
}

/**
 * High availability, in layers like a JGroups stack: the cluster link ({@code cluster}), one
 * election state machine per instance ({@code instance}, pure, driven by events and a clock), and
 * the VIP controller ({@code vip}) that turns its decisions into {@code ip}, ARP and nft work off
 * the decision path. {@link org.l4lb.ha.HaNode} wires them on one high-priority thread.
 */
package org.l4lb.ha;

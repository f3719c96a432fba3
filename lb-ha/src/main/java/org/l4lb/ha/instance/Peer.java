package org.l4lb.ha.instance;

import org.l4lb.ha.election.HaState;

/**
 * Another member of an instance's group as this node last heard it, for people to read.
 *
 * @param name its node name; its cluster address until its first advert
 * @param address the address that breaks priority ties; null until heard
 * @param state the state it announced; null until heard
 * @param lastAdvertMsAgo how long ago its last advert came; -1 until heard
 */
public record Peer(String name, String address, HaState state, int priority, int effectivePriority, boolean fault,
        long lastAdvertMsAgo) {
}

/**
 * Flow handoff: a planned VIP move that resets no connection. The old master keeps the VIPs
 * without answering ARP for them and serves its open connections; the new master passes it the
 * packets of the flows it does not know.
 */
package org.l4lb.ha.handoff;

/**
 * High availability: JGroups membership, the master election and VIP ownership.
 * Filled in by the "High availability" issue; the module exists so the dependency arrows
 * (lb-tcp -> lb-ha -> lb-core) are fixed from the start.
 */
package org.l4lb.ha;

package org.l4lb.core.runtime;

import org.l4lb.core.upstream.AdminState;

/**
 * What the state file keeps of one server's runtime state.
 *
 * @param configuredWeight the weight the configuration gave it when this was saved: the saved
 *     weight is taken back only while the configuration still gives that one
 * @param weight its runtime weight then
 */
public record SavedServer(String service, String server, int configuredWeight, int weight, AdminState admin) {
}

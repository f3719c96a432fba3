package org.l4lb.tcp.admin;

import java.util.List;

/** The outcome of a reload: applied (with what changed), or refused (with why, one line each). */
public record ReloadOutcome(boolean applied, List<String> lines) {
}

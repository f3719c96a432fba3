package org.l4lb.core.acl;

import java.util.List;

/**
 * A service's allow and deny networks.
 *
 * <p>The most specific matching network decides, so both nginx habits work without caring about
 * order: {@code allow 10.0.0.5; deny 10.0.0.0/8} and {@code deny 10.0.0.5; allow 10.0.0.0/8}.
 * On a tie deny wins. An address no rule matches is allowed only while the allow list is empty.
 */
public record AccessList(List<Cidr> allow, List<Cidr> deny) {

    public static final AccessList ALLOW_ALL = new AccessList(List.of(), List.of());

    public AccessList {
        allow = List.copyOf(allow);
        deny = List.copyOf(deny);
    }

    public boolean permits(byte[] address) {
        int allowPrefix = longestMatch(allow, address);
        int denyPrefix = longestMatch(deny, address);
        if (allowPrefix < 0 && denyPrefix < 0) {
            return allow.isEmpty();
        }
        return allowPrefix > denyPrefix;
    }

    private static int longestMatch(List<Cidr> rules, byte[] address) {
        int best = -1;
        for (int i = 0, n = rules.size(); i < n; i++) {
            Cidr c = rules.get(i);
            if (c.prefix() > best && c.matches(address)) {
                best = c.prefix();
            }
        }
        return best;
    }
}

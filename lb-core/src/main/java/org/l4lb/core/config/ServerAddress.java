package org.l4lb.core.config;

/** Where a server listens: a TCP endpoint or a Unix domain socket. */
public sealed interface ServerAddress permits ServerAddress.Tcp, ServerAddress.Unix {

    /**
     * The address as nginx would name it ({@code 127.0.0.1:80}, {@code [::1]:80},
     * {@code unix:/run/app.sock}). Consistent hashing hashes this text, as nginx does,
     * so it must not change when the address does not.
     */
    String text();

    record Tcp(HostPort endpoint) implements ServerAddress {
        @Override
        public String text() {
            return endpoint.text();
        }
    }

    record Unix(String path) implements ServerAddress {
        @Override
        public String text() {
            return "unix:" + path;
        }
    }

    /** @throws IllegalArgumentException with a message fit for an operator */
    static ServerAddress parse(String text) {
        String s = text.trim();
        if (s.regionMatches(true, 0, "unix:", 0, 5)) {
            String path = s.substring(5);
            if (!path.startsWith("/")) {
                throw new IllegalArgumentException("'" + text + "': a unix socket path must be absolute (unix:/path)");
            }
            return new Unix(path);
        }
        return new Tcp(HostPort.parse(s, false));
    }
}

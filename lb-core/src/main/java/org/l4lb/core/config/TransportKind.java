package org.l4lb.core.config;

/**
 * Which I/O transport the node's event loops use. AUTO is epoll where the kernel and JVM offer it,
 * NIO elsewhere; IO_URING is asked for by name only, since a container's default seccomp profile
 * refuses it and it holds more memory per session (bench/RESULTS.md).
 */
public enum TransportKind implements Named {
    AUTO, EPOLL, IO_URING, NIO;

    /** Whether splice(2) can relay on it: only Netty's epoll channels splice. */
    public boolean maySplice() {
        return this == AUTO || this == EPOLL;
    }
}

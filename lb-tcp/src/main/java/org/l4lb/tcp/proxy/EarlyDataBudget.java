package org.l4lb.tcp.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.util.internal.PlatformDependent;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The memory that what clients sent before their server connection is up holds, over the whole
 * node, and its limit. Counted as memory: a buffer's capacity and its bookkeeping, since a client
 * that sends one byte at a time holds one read buffer per byte.
 */
public final class EarlyDataBudget {

    /** A held buffer's object, its place in the session's queue and the allocator's handle. */
    static final int OVERHEAD_PER_BUFFER = 128;

    private final AtomicLong held = new AtomicLong();
    private volatile long limit;

    public EarlyDataBudget(long limit) {
        limit(limit);
    }

    /** The limit in bytes; -1 is a quarter of the JVM's direct memory limit. */
    public void limit(long bytes) {
        this.limit = bytes < 0 ? PlatformDependent.maxDirectMemory() / 4 : bytes;
    }

    public long limit() {
        return limit;
    }

    public long held() {
        return held.get();
    }

    static int cost(ByteBuf b) {
        return b.capacity() + OVERHEAD_PER_BUFFER;
    }

    /** Counts {@code bytes} more as held; false when the node now holds more than its limit. */
    boolean take(int bytes) {
        return held.addAndGet(bytes) <= limit;
    }

    void give(int bytes) {
        held.addAndGet(-bytes);
    }
}

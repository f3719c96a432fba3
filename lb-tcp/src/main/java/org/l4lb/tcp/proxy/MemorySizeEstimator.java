package org.l4lb.tcp.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.channel.DefaultMessageSizeEstimator;
import io.netty.channel.MessageSizeEstimator;

/**
 * Sizes a queued buffer by the memory it holds (its capacity) rather than by its readable bytes,
 * so that the write high-water mark bounds memory: a peer sending one byte at a time fills one read
 * buffer per byte, and counted by bytes a session would hold hundreds of times its mark.
 */
final class MemorySizeEstimator implements MessageSizeEstimator {

    static final MemorySizeEstimator INSTANCE = new MemorySizeEstimator();

    private static final Handle HANDLE = new Handle() {
        private final Handle others = DefaultMessageSizeEstimator.DEFAULT.newHandle();

        @Override
        public int size(Object msg) {
            return msg instanceof ByteBuf b ? b.capacity() : others.size(msg);
        }
    };

    private MemorySizeEstimator() {
    }

    @Override
    public Handle newHandle() {
        return HANDLE;
    }
}

package org.l4lb.tcp.proxyprotocol;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import io.netty.util.ReferenceCountUtil;

/**
 * Goes ahead of Netty's PROXY header decoder and refuses a v1 header whose line ends in a bare LF
 * as soon as that LF comes. The decoder looks for CRLF only, so such a line (which the
 * specification does not allow) would wait for the whole accept-proxy-timeout, or for the 108th
 * byte, before being refused. It leaves the pipeline once the first line has ended in CRLF, the
 * header is not a v1 one, or the line is longer than a v1 header may be (the decoder's to refuse).
 */
public final class BareLineFeedCheck extends ChannelInboundHandlerAdapter {

    /** The longest v1 header, CRLF included. */
    private static final int V1_MAX = 108;

    private int seen;
    private byte previous;
    private boolean refused;

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (refused) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (msg instanceof ByteBuf buf) {
            for (int i = buf.readerIndex(); i < buf.writerIndex(); i++) {
                byte b = buf.getByte(i);
                if (seen == 0 && b != 'P' || seen >= V1_MAX || b == '\n' && previous == '\r') {
                    ctx.pipeline().remove(this);
                    break;
                }
                if (b == '\n') {
                    refused = true;
                    buf.release();
                    ctx.fireExceptionCaught(new DecoderException("the v1 header's line ends in LF without CR"));
                    return;
                }
                previous = b;
                seen++;
            }
        }
        ctx.fireChannelRead(msg);
    }
}

package org.l4lb.tcp.admin;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.l4lb.core.config.AdminConfig;
import org.l4lb.core.upstream.AdminState;
import org.l4lb.tcp.Main;
import org.l4lb.tcp.Node;
import org.l4lb.tcp.proxy.Service;
import org.l4lb.tcp.transport.Transport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin endpoint: {@code GET /metrics} (Prometheus text), {@code GET /status} (JSON), and,
 * with the admin token, {@code POST /servers?service=S&server=ADDR&weight=N} or {@code &state=enabled|draining|disabled}.
 */
public final class AdminServer {

    private static final Logger LOG = LoggerFactory.getLogger(AdminServer.class);

    private final AdminConfig config;
    private final Transport transport;
    private final EventLoopGroup group;
    private final Metrics metrics;
    private final Node node;
    private Channel channel;

    public AdminServer(AdminConfig config, Transport transport, EventLoopGroup group, Metrics metrics, Node node) {
        this.config = config;
        this.transport = transport;
        this.group = group;
        this.metrics = metrics;
        this.node = node;
    }

    public void start() throws InterruptedException {
        InetSocketAddress local = new InetSocketAddress(config.listen().host(), config.listen().port());
        channel = new ServerBootstrap().group(group).channelFactory(transport.serverChannelFactory(local))
                .childHandler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(64 * 1024), new Handler());
                    }
                })
                .bind(local).sync().channel();
    }

    public void stop() {
        if (channel != null) {
            channel.close().syncUninterruptibly();
        }
    }

    private final class Handler extends SimpleChannelInboundHandler<FullHttpRequest> {

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) throws Exception {
            QueryStringDecoder q = new QueryStringDecoder(req.uri());
            FullHttpResponse resp;
            if (req.method() == HttpMethod.GET && q.path().equals("/metrics")) {
                resp = text(HttpResponseStatus.OK, metrics.scrape(), "text/plain; version=0.0.4; charset=utf-8");
            } else if (req.method() == HttpMethod.GET && q.path().equals("/status")) {
                resp = text(HttpResponseStatus.OK, StatusJson.write(StatusView.of(node, Main.version())) + "\n",
                        "application/json");
            } else if (req.method() == HttpMethod.POST && q.path().equals("/servers")) {
                resp = change(req, q.parameters());
            } else {
                resp = text(HttpResponseStatus.NOT_FOUND, "GET /metrics, GET /status, POST /servers\n", "text/plain");
            }
            boolean keepAlive = HttpUtil.isKeepAlive(req);
            HttpUtil.setKeepAlive(resp, keepAlive);
            var f = ctx.writeAndFlush(resp);
            if (!keepAlive) {
                f.addListener(ChannelFutureListener.CLOSE);
            }
        }

        private FullHttpResponse change(FullHttpRequest req, Map<String, List<String>> p) {
            if (config.token().isEmpty()) {
                return text(HttpResponseStatus.FORBIDDEN, "runtime changes are off: set admin.token\n", "text/plain");
            }
            String auth = req.headers().get(HttpHeaderNames.AUTHORIZATION, "");
            if (!MessageDigest.isEqual(auth.getBytes(StandardCharsets.UTF_8),
                    ("Bearer " + config.token()).getBytes(StandardCharsets.UTF_8))) {
                return text(HttpResponseStatus.UNAUTHORIZED, "bad or missing bearer token\n", "text/plain");
            }
            String serviceName = first(p, "service");
            String server = first(p, "server");
            Service service = node.services().stream().filter(s -> s.name().equals(serviceName)).findFirst().orElse(null);
            if (service == null || server == null) {
                return text(HttpResponseStatus.NOT_FOUND, "no such service; give service= and server=\n", "text/plain");
            }
            try {
                String weight = first(p, "weight");
                String state = first(p, "state");
                if (weight != null) {
                    service.upstream().weight(server, Integer.parseInt(weight), "admin API");
                }
                if (state != null) {
                    service.upstream().admin(server, AdminState.valueOf(state.toUpperCase(Locale.ROOT)), "admin API");
                }
                LOG.info("admin API: service {} server {}: weight={} state={}", serviceName, server, weight, state);
                return text(HttpResponseStatus.OK, "ok\n", "text/plain");
            } catch (IllegalArgumentException e) {
                return text(HttpResponseStatus.BAD_REQUEST, e.getMessage() + "\n", "text/plain");
            }
        }

        private static String first(Map<String, List<String>> p, String key) {
            List<String> v = p.get(key);
            return v == null || v.isEmpty() ? null : v.get(0);
        }

        private static FullHttpResponse text(HttpResponseStatus status, String body, String type) {
            FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                    Unpooled.copiedBuffer(body, StandardCharsets.UTF_8));
            r.headers().set(HttpHeaderNames.CONTENT_TYPE, type);
            r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, r.content().readableBytes());
            return r;
        }
    }
}

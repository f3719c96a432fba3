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
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.l4lb.core.config.AdminConfig;
import org.l4lb.core.upstream.AdminState;
import org.l4lb.tcp.admission.RateLimitedLog;
import org.l4lb.tcp.transport.Transport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin endpoint: {@code GET /} (the status page), {@code GET /metrics} (Prometheus text),
 * {@code GET /status} (JSON; {@code ?since=MS} adds the graphs' samples after that time), and,
 * with the admin token: {@code POST /reload}; {@code POST /servers?service=S&server=ADDR} with
 * {@code weight=N} (and {@code ramp=5m}) or {@code state=enabled|draining|disabled}; {@code POST
 * /servers?service=S&address=ADDR} with any server parameter of the configuration to add one;
 * {@code DELETE /servers?service=S&server=ADDR} to remove one.
 */
public final class AdminServer {

    private static final Logger LOG = LoggerFactory.getLogger(AdminServer.class);
    /** How long a connection may take to send a whole request, or stay idle between requests. */
    private static final long REQUEST_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(10);
    private static final long WARN_INTERVAL_NANOS = TimeUnit.MINUTES.toNanos(1);

    /** Errors of the admin connections that are not a client going away, at most one line a minute. */
    private final RateLimitedLog connectionErrors = new RateLimitedLog(LOG, WARN_INTERVAL_NANOS);

    private final AdminConfig config;
    private final Transport transport;
    private final EventLoopGroup group;
    private final Metrics metrics;
    private final NodeState node;
    private final String version;
    private final RuntimeChanges operations;
    /** Where changes run, one at a time, off the event loops. */
    private final java.util.concurrent.ExecutorService changes = java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "l4lb-admin-change");
        t.setDaemon(true);
        return t;
    });
    private Channel channel;
    private final PageAssets assets = new PageAssets();

    /** Changes of a server that exists; any other parameter of a POST makes it an addition. */
    private static final Set<String> CHANGE_KEYS = Set.of("service", "server", "weight", "ramp", "state");

    /** @param version what {@code /status} says of the program */
    public AdminServer(AdminConfig config, Transport transport, EventLoopGroup group, Metrics metrics, NodeState node,
            RuntimeChanges operations, String version) {
        this.config = config;
        this.transport = transport;
        this.group = group;
        this.metrics = metrics;
        this.node = node;
        this.operations = operations;
        this.version = version;
    }

    public void start() throws InterruptedException {
        InetSocketAddress local = new InetSocketAddress(config.listen().host(), config.listen().port());
        channel = new ServerBootstrap().group(group).channelFactory(transport.serverChannelFactory(local))
                .childHandler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(64 * 1024),
                                new RequestTimeout(REQUEST_TIMEOUT_NANOS), new Handler());
                    }
                })
                .bind(local).sync().channel();
    }

    public void stop() {
        changes.shutdown();
        if (channel != null) {
            channel.close().syncUninterruptibly();
        }
    }

    private final class Handler extends SimpleChannelInboundHandler<FullHttpRequest> {

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) throws Exception {
            if (req.decoderResult().isFailure()) {
                // Too long a line or headers, or not HTTP: answered once, then the connection goes.
                Throwable why = req.decoderResult().cause();
                boolean tooLarge = why instanceof io.netty.handler.codec.TooLongFrameException;
                respond(ctx, text(tooLarge ? HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE : HttpResponseStatus.BAD_REQUEST,
                        tooLarge ? "request line or headers too long\n" : "not a valid HTTP request\n", "text/plain"), false);
                return;
            }
            QueryStringDecoder q = new QueryStringDecoder(req.uri());
            FullHttpResponse resp;
            if (req.method() == HttpMethod.GET && q.path().equals("/metrics")) {
                resp = text(HttpResponseStatus.OK, metrics.scrape(), "text/plain; version=0.0.4; charset=utf-8");
            } else if (req.method() == HttpMethod.GET && q.path().equals("/status")) {
                Long since;
                try {
                    String s = first(q.parameters(), "since");
                    since = s == null ? null : Long.parseLong(s.trim());
                } catch (NumberFormatException e) {
                    respond(ctx, text(HttpResponseStatus.BAD_REQUEST, "since: epoch milliseconds, e.g. since=0\n", "text/plain"),
                            HttpUtil.isKeepAlive(req));
                    return;
                }
                resp = text(HttpResponseStatus.OK, StatusJson.write(StatusView.of(node, version, since)) + "\n",
                        "application/json");
                resp.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-store");
            } else if (req.method() == HttpMethod.GET && assets.get(q.path()) != null) {
                PageAssets.Asset a = assets.get(q.path());
                resp = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, Unpooled.wrappedBuffer(a.body()));
                resp.headers().set(HttpHeaderNames.CONTENT_TYPE, a.type());
                resp.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, a.body().length);
                // Everything from this address, nothing from elsewhere; the page never frames.
                resp.headers().set("Content-Security-Policy", "default-src 'self'; style-src 'self' 'unsafe-inline';"
                        + " img-src 'self' data:; frame-ancestors 'none'");
                resp.headers().set("X-Content-Type-Options", "nosniff");
            } else if ((req.method() == HttpMethod.POST || req.method() == HttpMethod.DELETE) && q.path().equals("/servers")
                    || req.method() == HttpMethod.POST && q.path().equals("/reload")) {
                // A change may bind listeners and wait for them: never on an event loop.
                boolean keepAlive = HttpUtil.isKeepAlive(req);
                String auth = req.headers().get(HttpHeaderNames.AUTHORIZATION, "");
                HttpMethod method = req.method();
                changes.execute(() -> {
                    FullHttpResponse answer;
                    try {
                        answer = change(ctx, method, auth, q);
                    } catch (RuntimeException e) {
                        LOG.error("admin API: {} {} failed", method, q.path(), e);
                        answer = text(HttpResponseStatus.INTERNAL_SERVER_ERROR, "failed; the node's log says why\n", "text/plain");
                    }
                    respond(ctx, answer, keepAlive);
                });
                return;
            } else {
                resp = text(HttpResponseStatus.NOT_FOUND,
                        "GET / (the status page), GET /metrics, GET /status, POST /reload, POST /servers, DELETE /servers\n",
                        "text/plain");
            }
            respond(ctx, resp, HttpUtil.isKeepAlive(req));
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            // A client that resets or goes away is its own business; anything else is reported.
            if (!(cause instanceof java.io.IOException)) {
                connectionErrors.warn("admin API: connection from " + clientOf(ctx) + ": " + cause);
            }
            ctx.close();
        }

        private void respond(ChannelHandlerContext ctx, FullHttpResponse resp, boolean keepAlive) {
            HttpUtil.setKeepAlive(resp, keepAlive);
            var f = ctx.writeAndFlush(resp);
            if (!keepAlive) {
                f.addListener(ChannelFutureListener.CLOSE);
            }
        }

        private FullHttpResponse change(ChannelHandlerContext ctx, HttpMethod method, String auth, QueryStringDecoder q) {
            String token = operations.token();
            if (token.isEmpty()) {
                return text(HttpResponseStatus.FORBIDDEN, "runtime changes are off: set admin.token\n", "text/plain");
            }
            if (!MessageDigest.isEqual(auth.getBytes(StandardCharsets.UTF_8),
                    ("Bearer " + token).getBytes(StandardCharsets.UTF_8))) {
                return text(HttpResponseStatus.UNAUTHORIZED, "bad or missing bearer token\n", "text/plain");
            }
            String who = "admin API from " + clientOf(ctx);
            Map<String, List<String>> p = q.parameters();
            try {
                if (q.path().equals("/reload")) {
                    ReloadOutcome o = operations.reload(who);
                    return text(o.applied() ? HttpResponseStatus.OK : HttpResponseStatus.BAD_REQUEST,
                            String.join("\n", o.lines()) + "\n", "text/plain");
                }
                List<String> repeated = p.entrySet().stream().filter(e -> e.getValue().size() > 1).map(Map.Entry::getKey).toList();
                if (!repeated.isEmpty()) {
                    throw new Refused(400, "given more than once: " + String.join(", ", repeated));
                }
                String service = first(p, "service");
                if (method == HttpMethod.DELETE) {
                    unknown(p, Set.of("service", "server"));
                    operations.remove(service, first(p, "server"), who);
                } else if (p.containsKey("address")) {
                    Map<String, String> params = new java.util.LinkedHashMap<>();
                    p.forEach((k, v) -> {
                        if (!k.equals("service")) {
                            params.put(k, v.get(0));
                        }
                    });
                    operations.add(service, params, who);
                } else {
                    unknown(p, CHANGE_KEYS);
                    String server = first(p, "server");
                    String weight = first(p, "weight");
                    String ramp = first(p, "ramp");
                    String state = first(p, "state");
                    if (weight == null && state == null) {
                        throw new Refused(400, "give weight=N (and ramp=DURATION) or state=enabled|draining|disabled;"
                                + " to add a server, address=ADDR");
                    }
                    if (ramp != null && weight == null) {
                        throw new Refused(400, "ramp needs weight=N");
                    }
                    // Every parameter read before anything changes: a bad one changes nothing.
                    Integer w = weight == null ? null : integer("weight", weight);
                    long rampNanos = ramp == null ? 0 : duration("ramp", ramp);
                    AdminState s = state == null ? null : adminState(state);
                    operations.change(service, server, w, rampNanos, s, who);
                }
                return text(HttpResponseStatus.OK, "ok\n", "text/plain");
            } catch (Refused e) {
                return text(HttpResponseStatus.valueOf(e.status()), e.getMessage() + "\n", "text/plain");
            }
        }

        private static void unknown(Map<String, List<String>> p, Set<String> known) throws Refused {
            List<String> unknown = p.keySet().stream().filter(k -> !known.contains(k)).sorted().toList();
            if (!unknown.isEmpty()) {
                throw new Refused(400, "unknown parameter(s): " + String.join(", ", unknown)
                        + " (known: " + String.join(", ", known.stream().sorted().toList()) + ")");
            }
        }

        private static int integer(String key, String value) throws Refused {
            try {
                return Integer.parseInt(value.trim());
            } catch (NumberFormatException e) {
                throw new Refused(400, key + ": not a whole number: '" + value + "'");
            }
        }

        /** A duration as the configuration writes one (500ms, 30s, 5m). */
        private static long duration(String key, String value) throws Refused {
            try {
                long n = com.typesafe.config.ConfigFactory.empty()
                        .withValue(key, com.typesafe.config.ConfigValueFactory.fromAnyRef(value)).getDuration(key).toNanos();
                if (n < 0) {
                    throw new Refused(400, key + ": must not be negative");
                }
                return n;
            } catch (com.typesafe.config.ConfigException e) {
                throw new Refused(400, key + ": not a duration such as 30s or 5m: '" + value + "'");
            }
        }

        private static AdminState adminState(String value) throws Refused {
            try {
                return AdminState.valueOf(value.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new Refused(400, "state: one of enabled, draining, disabled, not '" + value + "'");
            }
        }

        private static String clientOf(ChannelHandlerContext ctx) {
            return ctx.channel().remoteAddress() instanceof InetSocketAddress a
                    ? a.getAddress().getHostAddress() + ":" + a.getPort() : String.valueOf(ctx.channel().remoteAddress());
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

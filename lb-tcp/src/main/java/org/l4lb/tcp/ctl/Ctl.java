package org.l4lb.tcp.ctl;

import java.io.IOException;
import java.io.PrintStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.l4lb.core.config.AdminConfig;
import org.l4lb.core.config.ConfigLoader;
import org.l4lb.core.config.ConfigProblem;
import org.l4lb.core.config.HostPort;
import org.l4lb.core.config.InvalidConfigException;

/**
 * {@code java -jar lb-tcp.jar ctl [--admin HOST:PORT] [--token-file F | --config node.conf] COMMAND}:
 * the operator's command line over the admin API, like HAProxy's runtime API without socat. With
 * {@code --config} the admin address and token come from the node's own file.
 */
public final class Ctl {

    public static final int OK = 0;
    /** The node answered, and refused: a bad reload, an unknown server, a bad parameter. */
    public static final int REFUSED = 1;
    /** The --config or --token-file could not be read. */
    public static final int BAD_INPUT = 2;
    /** The node could not be reached. */
    public static final int UNREACHABLE = 3;
    /** The node wants a token, or another one. */
    public static final int UNAUTHORIZED = 4;
    public static final int USAGE = 64;

    static final String USAGE_TEXT = """
            usage: java -jar lb-tcp.jar ctl [--admin HOST:PORT] [--token-file FILE | --config NODE.conf] COMMAND
            commands:
              status                                  servers of every service, as a table
              weight SERVICE SERVER N [--ramp 5m]     set a weight, at once or over a ramp
              drain|enable|disable SERVICE SERVER     set a server's admin state
              add SERVICE SERVER [KEY=VALUE ...]      add a server (keys of a server object: weight=3 backup=true ...)
              remove SERVICE SERVER                   remove a server (its open sessions run to their end)
              reload                                  re-read the node's file, as SIGHUP does""";

    private final PrintStream out;
    private final PrintStream err;

    public Ctl(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    /** Runs {@code args} (what follows "ctl") and returns the exit code. */
    public int run(List<String> args) {
        String admin = null;
        String tokenFile = null;
        String config = null;
        List<String> rest = new ArrayList<>();
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if ((a.equals("--admin") || a.equals("--token-file") || a.equals("--config")) && i + 1 < args.size()) {
                String v = args.get(++i);
                switch (a) {
                    case "--admin" -> admin = v;
                    case "--token-file" -> tokenFile = v;
                    default -> config = v;
                }
            } else if (a.startsWith("--") && !a.equals("--ramp")) {
                err.println("ctl: unknown option " + a);
                err.println(USAGE_TEXT);
                return USAGE;
            } else {
                rest.add(a);
            }
        }
        if (rest.isEmpty()) {
            err.println(USAGE_TEXT);
            return USAGE;
        }
        String token = "";
        HostPort where = new HostPort("127.0.0.1", 9090);
        try {
            if (config != null) {
                AdminConfig c = ConfigLoader.admin(Path.of(config));
                where = c.listen();
                token = c.token();
            }
            if (tokenFile != null) {
                token = Files.readString(Path.of(tokenFile)).strip();
            }
            if (admin != null) {
                where = HostPort.parse(admin, false);
            }
        } catch (InvalidConfigException e) {
            e.problems().stream().map(ConfigProblem::toString).forEach(err::println);
            return BAD_INPUT;
        } catch (IOException e) {
            err.println("ctl: cannot read the token file: " + e.getMessage());
            return BAD_INPUT;
        } catch (IllegalArgumentException e) {
            err.println("ctl: --admin: " + e.getMessage());
            return USAGE;
        }
        String host = where.host().equals("0.0.0.0") ? "127.0.0.1" : where.host().equals("::") ? "::1" : where.host();
        String base = "http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + where.port();
        return command(new Api(base, token), rest);
    }

    private int command(Api api, List<String> a) {
        String cmd = a.get(0);
        try {
            switch (cmd) {
                case "status" -> {
                    if (a.size() != 1) {
                        return usage("status takes no argument");
                    }
                    HttpResponse<String> r = api.call("GET", "/status", Map.of());
                    if (r.statusCode() != 200) {
                        return answer(r);
                    }
                    out.print(StatusTable.render(r.body()));
                    return OK;
                }
                case "reload" -> {
                    if (a.size() != 1) {
                        return usage("reload takes no argument");
                    }
                    return answer(api.call("POST", "/reload", Map.of()));
                }
                case "weight" -> {
                    List<String> args = new ArrayList<>(a.subList(1, a.size()));
                    String ramp = null;
                    int at = args.indexOf("--ramp");
                    if (at >= 0) {
                        if (at + 1 >= args.size()) {
                            return usage("--ramp needs a duration, e.g. --ramp 5m");
                        }
                        ramp = args.get(at + 1);
                        args.subList(at, at + 2).clear();
                    }
                    if (args.size() != 3) {
                        return usage("weight SERVICE SERVER N [--ramp 5m]");
                    }
                    Map<String, String> q = new LinkedHashMap<>();
                    q.put("service", args.get(0));
                    q.put("server", args.get(1));
                    q.put("weight", args.get(2));
                    if (ramp != null) {
                        q.put("ramp", ramp);
                    }
                    return answer(api.call("POST", "/servers", q));
                }
                case "drain", "enable", "disable" -> {
                    if (a.size() != 3) {
                        return usage(cmd + " SERVICE SERVER");
                    }
                    String state = cmd.equals("drain") ? "draining" : cmd.equals("enable") ? "enabled" : "disabled";
                    return answer(api.call("POST", "/servers", Map.of("service", a.get(1), "server", a.get(2), "state", state)));
                }
                case "add" -> {
                    if (a.size() < 3) {
                        return usage("add SERVICE SERVER [KEY=VALUE ...]");
                    }
                    Map<String, String> q = new LinkedHashMap<>();
                    q.put("service", a.get(1));
                    q.put("address", a.get(2));
                    for (String kv : a.subList(3, a.size())) {
                        int eq = kv.indexOf('=');
                        if (eq <= 0) {
                            return usage("add: parameters are KEY=VALUE, not '" + kv + "'");
                        }
                        q.put(kv.substring(0, eq), kv.substring(eq + 1));
                    }
                    return answer(api.call("POST", "/servers", q));
                }
                case "remove" -> {
                    if (a.size() != 3) {
                        return usage("remove SERVICE SERVER");
                    }
                    return answer(api.call("DELETE", "/servers", Map.of("service", a.get(1), "server", a.get(2))));
                }
                default -> {
                    return usage("unknown command '" + cmd + "'");
                }
            }
        } catch (ConnectException | HttpConnectTimeoutException e) {
            err.println("ctl: cannot reach the node at " + api.base + " (is it running, and is that its admin.listen?)");
            return UNREACHABLE;
        } catch (HttpTimeoutException e) {
            err.println("ctl: no answer from " + api.base + " in time");
            return UNREACHABLE;
        } catch (IOException e) {
            err.println("ctl: " + api.base + ": " + e);
            return UNREACHABLE;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return UNREACHABLE;
        }
    }

    private int usage(String what) {
        err.println("ctl: " + what);
        err.println(USAGE_TEXT);
        return USAGE;
    }

    /** Prints the node's answer where it belongs and maps its status to an exit code. */
    private int answer(HttpResponse<String> r) {
        String body = r.body().endsWith("\n") ? r.body() : r.body() + "\n";
        int code = r.statusCode();
        if (code == 200) {
            out.print(body);
            return OK;
        }
        err.print(body);
        return code == 401 || code == 403 ? UNAUTHORIZED : REFUSED;
    }

    private static final class Api {

        private final String base;
        private final String token;
        private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

        Api(String base, String token) {
            this.base = base;
            this.token = token;
        }

        HttpResponse<String> call(String method, String path, Map<String, String> query) throws IOException, InterruptedException {
            String q = query.entrySet().stream()
                    .map(e -> URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "=" + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
                    .collect(Collectors.joining("&"));
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path + (q.isEmpty() ? "" : "?" + q)))
                    .timeout(Duration.ofSeconds(60)).method(method, HttpRequest.BodyPublishers.noBody());
            if (!token.isEmpty()) {
                b.header("Authorization", "Bearer " + token);
            }
            return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
        }
    }
}

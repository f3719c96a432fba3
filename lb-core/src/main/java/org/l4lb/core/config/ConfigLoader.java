package org.l4lb.core.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigResolveOptions;
import com.typesafe.config.ConfigValueFactory;
import com.typesafe.config.ConfigValueType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Reads a node's configuration file: HOCON with {@code include} and {@code ${?ENV}}, over the
 * defaults of {@code reference.conf}, into a validated {@link LbConfig}. Every problem is collected
 * and reported together, each as {@code file:line: path: message}.
 */
public final class ConfigLoader {

    private static final Pattern SERVICE_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]{0,63}");

    private ConfigLoader() {
    }

    public static LbConfig load(Path file) throws InvalidConfigException {
        return load(file, System.getenv());
    }

    /** @param env where {@code ${?NAME}} substitutions are looked up after the file itself */
    public static LbConfig load(Path file, Map<String, String> env) throws InvalidConfigException {
        Problems problems = new Problems(file.toString());
        if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
            problems.add(null, "", "cannot read the file (missing, not a regular file, or not readable)");
            throw new InvalidConfigException(problems.list());
        }
        if (!FileChecks.check(file, problems)) {
            throw new InvalidConfigException(problems.list());
        }
        Config written;
        try {
            Config parsed = ConfigFactory.parseFile(file.toFile(), ConfigParseOptions.defaults().setAllowMissing(false));
            Config envSource = ConfigValueFactory.fromMap(new HashMap<>(env)).toConfig();
            written = parsed.resolveWith(parsed.withFallback(envSource),
                    ConfigResolveOptions.defaults().setUseSystemEnvironment(false));
        } catch (ConfigException e) {
            problems.add(e.origin(), "", stripOrigin(e));
            throw new InvalidConfigException(problems.list());
        } catch (StackOverflowError e) {
            // What the checks above cannot see: substitutions that nest through each other.
            problems.add(null, "", "values nested too deeply to read");
            throw new InvalidConfigException(problems.list());
        }
        LbConfig config = read(written, problems);
        if (!problems.isEmpty()) {
            throw new InvalidConfigException(problems.list());
        }
        return config;
    }

    /**
     * One server from parameters given at runtime (the admin API, the state file), validated as a
     * server object of the file is, over the running configuration's {@code server-defaults}.
     *
     * @param params the keys of a server object ({@code address}, {@code weight}, ...) as text
     * @param source what the parameters came from, where a problem names its file
     */
    public static ServerConfig server(Map<String, String> params, com.typesafe.config.Config serverDefaults, String source)
            throws InvalidConfigException {
        Problems problems = new Problems(source);
        ConfigObject obj = ConfigValueFactory.fromMap(new HashMap<>(params), source);
        com.typesafe.config.Config merged = ConfigFactory.empty().withValue("server-defaults", serverDefaults.root());
        ServerConfig s = new ServiceReader(defaults(), merged, problems).server(obj, "server");
        if (!problems.isEmpty() || s == null) {
            throw new InvalidConfigException(problems.list());
        }
        return s;
    }

    /**
     * Only the admin listener and token of a node's file, for the operator's command line: read
     * even when the rest of the file has problems (a reload is how those get reported).
     *
     * @throws InvalidConfigException when not even these can be read
     */
    public static AdminConfig admin(Path file) throws InvalidConfigException {
        Problems problems = new Problems(file.toString());
        try {
            Config parsed = ConfigFactory.parseFile(file.toFile(), ConfigParseOptions.defaults().setAllowMissing(false));
            Config envSource = ConfigValueFactory.fromMap(new HashMap<>(System.getenv())).toConfig();
            Config admin = parsed.resolveWith(parsed.withFallback(envSource),
                    ConfigResolveOptions.defaults().setUseSystemEnvironment(false).setAllowUnresolved(true))
                    .withFallback(defaults()).getConfig("admin");
            return new AdminConfig(HostPort.parse(admin.getString("listen"), true), admin.getString("token"));
        } catch (ConfigException e) {
            problems.add(e.origin(), "", stripOrigin(e));
        } catch (IllegalArgumentException e) {
            problems.add(null, "admin.listen", e.getMessage());
        }
        throw new InvalidConfigException(problems.list());
    }

    /** typesafe-config prefixes its messages with the origin, which our format already carries. */
    private static String stripOrigin(ConfigException e) {
        String m = e.getMessage();
        if (e.origin() != null) {
            String prefix = e.origin().description() + ": ";
            if (m.startsWith(prefix)) {
                m = m.substring(prefix.length());
            }
        }
        return m;
    }

    static Config defaults() {
        return ConfigFactory.parseResources(ConfigLoader.class.getClassLoader(), "reference.conf")
                .resolve().getConfig("l4lb");
    }

    private static boolean isWildcard(String host) {
        return host.isEmpty() || host.equals("0.0.0.0") || host.equals("::") || host.equals("[::]");
    }

    private static LbConfig read(Config written, Problems problems) {
        Config defaults = defaults();
        Config merged = written.withFallback(defaults);
        ConfigReader top = new ConfigReader(merged, "", written.origin(), problems);
        top.unknownKeys(written.root(), defaults.root().keySet());

        String nodeName = top.string("node-name");
        int eventLoops = top.intIn("event-loops", 0, 1024);
        TransportKind transport = top.named("transport", TransportKind.class);
        SpliceMode splice = top.named("splice", SpliceMode.class);
        if (splice == SpliceMode.ON && !transport.maySplice()) {
            top.problem("splice", "splice = on needs the epoll transport, not transport = " + transport.configName());
        }

        int maxConnections = top.intIn("max-connections", 0, Integer.MAX_VALUE);
        long earlyDataBudget = top.sizeOrAuto("early-data-budget");
        Duration shutdownTimeout = top.duration("shutdown-timeout", Duration.ZERO);

        ConfigReader admin = object(top, written, defaults, "admin");
        AdminConfig adminConfig = admin == null ? null : new AdminConfig(
                admin.parsed("listen", s -> HostPort.parse(s, true), null), admin.string("token"));

        ConfigReader serviceDefaults = object(top, written, defaults, "service-defaults");
        ConfigReader serverDefaults = object(top, written, defaults, "server-defaults");
        ConfigReader trackDefaults = object(top, written, defaults, "track-script-defaults");
        if (serviceDefaults != null && written.hasPath("service-defaults.health-check")
                && written.getValue("service-defaults.health-check").valueType() == ConfigValueType.OBJECT) {
            new ConfigReader(merged.getConfig("service-defaults"), "service-defaults", null, problems)
                    .unknownKeys(written.getObject("service-defaults.health-check"),
                            defaults.getObject("service-defaults.health-check").keySet());
        }

        List<ServiceConfig> services = new ArrayList<>();
        if (serviceDefaults != null && serverDefaults != null) {
            ServiceReader serviceReader = new ServiceReader(defaults, merged, problems);
            ConfigObject all = objectOrReport(top, "services");
            if (all != null) {
                for (String name : all.keySet()) {
                    String path = top.path("services") + "." + com.typesafe.config.ConfigUtil.joinPath(name);
                    if (!SERVICE_NAME.matcher(name).matches()) {
                        problems.add(all.get(name).origin(), path,
                                "service names are letters, digits, '-' and '_' (at most 64), starting with a letter or digit");
                    }
                    if (all.get(name).valueType() != ConfigValueType.OBJECT) {
                        problems.add(all.get(name).origin(), path, "expected an object, got " + ConfigReader.render(all.get(name)));
                        continue;
                    }
                    ServiceConfig s = serviceReader.read(name, (ConfigObject) all.get(name), path);
                    if (s != null) {
                        services.add(s);
                    }
                }
            }
        }

        if (services.isEmpty() && problems.isEmpty()) {
            top.problem("services", "no service: a node needs at least one, e.g. services.web { listen = [\"0.0.0.0:80\"],"
                    + " servers = [\"10.0.0.1:8080\"] }");
        }
        if (adminConfig != null && adminConfig.listen() != null) {
            HostPort a = adminConfig.listen();
            for (ServiceConfig s : services) {
                for (HostPort l : s.listen()) {
                    if (l.port() == a.port() && (l.host().equals(a.host()) || isWildcard(l.host()) || isWildcard(a.host()))) {
                        admin.problem("listen", a + " is also where service '" + s.name() + "' listens (" + l + ")");
                    }
                }
            }
        }

        List<HaConfig> ha = List.of();
        ConfigReader haReader = object(top, written, defaults, "ha");
        if (haReader != null && trackDefaults != null) {
            ha = new HaReader(haReader, defaults, merged).readAll(services);
        }
        String stateFile = top.string("state-file");
        return new LbConfig(nodeName, eventLoops, transport, splice, maxConnections, earlyDataBudget, shutdownTimeout, adminConfig,
                services, ha,
                stateFile, merged.getConfig("server-defaults"));
    }

    /** A nested object section, its unknown keys reported; null when it is not an object. */
    private static ConfigReader object(ConfigReader top, Config written, Config defaults, String key) {
        ConfigObject obj = objectOrReport(top, key);
        if (obj == null) {
            return null;
        }
        boolean userWrote = written.hasPath(key) && written.getValue(key).valueType() == ConfigValueType.OBJECT;
        ConfigReader r = new ConfigReader(top.config().getConfig(key), top.path(key),
                userWrote ? written.getValue(key).origin() : written.origin(), top.problems());
        if (userWrote) {
            r.unknownKeys(written.getObject(key), defaults.getObject(key).keySet());
        }
        return r;
    }

    private static ConfigObject objectOrReport(ConfigReader top, String key) {
        var v = top.value(key);
        if (v.valueType() != ConfigValueType.OBJECT) {
            top.problem(key, "expected an object, got " + ConfigReader.render(v));
            return null;
        }
        return (ConfigObject) v;
    }
}

package org.l4lb.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {

    @TempDir
    Path dir;

    private Path write(String name, String content) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, content);
        return p;
    }

    private LbConfig load(String content) throws Exception {
        return ConfigLoader.load(write("node.conf", content), Map.of());
    }

    /** The problems, with the temp dir cut so they read as the operator sees them. */
    private List<String> problems(String content) throws IOException {
        Path file = write("node.conf", content);
        InvalidConfigException e = catchThrowableOfType(InvalidConfigException.class, () -> ConfigLoader.load(file, Map.of()));
        assertThat(e).as("the config should be rejected").isNotNull();
        return e.problems().stream().map(p -> p.toString().replace(dir + "/", "")).toList();
    }

    @Test
    void fullConfigIsReadWithDefaultsForWhatIsNotWritten() throws Exception {
        LbConfig c = load("""
                node-name = lb1
                services {
                  web {
                    listen = ["0.0.0.0:80", "[::]:80"]
                    strategy = hash
                    consistent = true
                    connect-timeout = 2s
                    allow = ["10.0.0.0/8", "2001:db8::/32"]
                    deny = ["10.0.0.5"]
                    health-check { type = send-expect, send = "PING\\r\\n", expect = "+PONG" }
                    servers = [
                      "10.0.0.1:8080"
                      { address = "10.0.0.2:8080", weight = 3, max-fails = 2, fail-timeout = 30s, max-conns = 100 }
                      { address = "[2001:db8::7]:8080", slow-start = 20s }
                      "unix:/run/app.sock"
                    ]
                  }
                }
                """);
        assertThat(c.nodeName()).isEqualTo("lb1");
        assertThat(c.splice()).isEqualTo(SpliceMode.AUTO);
        assertThat(c.admin().listen()).isEqualTo(new HostPort("127.0.0.1", 9090));
        ServiceConfig web = c.service("web").orElseThrow();
        assertThat(web.listen()).containsExactly(new HostPort("0.0.0.0", 80), new HostPort("::", 80));
        assertThat(web.balance().strategy()).isEqualTo(Strategy.HASH);
        assertThat(web.balance().consistent()).isTrue();
        assertThat(web.connectTimeout()).isEqualTo(Duration.ofSeconds(2));
        assertThat(web.idleTimeout()).isEqualTo(Duration.ofMinutes(10));
        assertThat(web.healthCheck()).isEqualTo(new HealthCheckConfig(HealthCheckType.SEND_EXPECT, Duration.ofSeconds(2),
                Duration.ofSeconds(1), 2, 3, "PING\r\n", "+PONG"));
        assertThat(web.access().permits(new byte[] {10, 1, 2, 3})).isTrue();
        assertThat(web.access().permits(new byte[] {10, 0, 0, 5})).isFalse();
        assertThat(web.access().permits(new byte[] {11, 0, 0, 5})).isFalse();
        assertThat(web.servers()).extracting(ServerConfig::name)
                .containsExactly("10.0.0.1:8080", "10.0.0.2:8080", "[2001:db8::7]:8080", "unix:/run/app.sock");
        ServerConfig second = web.servers().get(1);
        assertThat(second).isEqualTo(new ServerConfig(ServerAddress.parse("10.0.0.2:8080"), 3, false, false, 2,
                Duration.ofSeconds(30), 100, Duration.ZERO));
        assertThat(web.servers().get(0).maxFails()).isEqualTo(1);
        assertThat(web.servers().get(0).failTimeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(web.servers().get(3).address()).isEqualTo(new ServerAddress.Unix("/run/app.sock"));
        assertThat(c.ha().enabled()).isFalse();
        assertThat(c.ha().flowHandoff()).isTrue();
        assertThat(c.ha().flowHandoffTimeout()).isEqualTo(Duration.ofSeconds(60));
    }

    @Test
    void includeAndEnvironmentSubstitutionLetTwoNodesShareAFile() throws Exception {
        write("common.conf", """
                services.db { listen = ["5432"], servers = ["10.0.0.1:5432", "10.0.0.2:5432"] }
                ha {
                  enabled = true
                  virtual-ips = ["10.99.0.100/24"]
                  interface = eth0
                  secret = ${?L4LB_SECRET}
                }
                """);
        Path node = write("node1.conf", """
                include "common.conf"
                node-name = node1
                ha.priority = 150
                """);
        LbConfig c = ConfigLoader.load(node, Map.of("L4LB_SECRET", "s3cret-from-env"));
        assertThat(c.ha().secret()).isEqualTo("s3cret-from-env");
        assertThat(c.ha().priority()).isEqualTo(150);
        assertThat(c.ha().virtualIps()).containsExactly("10.99.0.100/24");
        assertThat(c.service("db").orElseThrow().listen()).containsExactly(new HostPort("0.0.0.0", 5432));

        InvalidConfigException e = catchThrowableOfType(InvalidConfigException.class, () -> ConfigLoader.load(node, Map.of()));
        assertThat(e.problems()).singleElement().hasToString(dir.resolve("common.conf") + ":3: ha.secret: HA is enabled"
                + " without a secret: anyone who reaches the cluster port could take the virtual IPs. Set ha.secret"
                + " (e.g. secret = ${?L4LB_SECRET}), or insecure = true for tests");
    }

    @Test
    void resolveFollowsHostNamesOnlyAndStateFileIsRead() throws Exception {
        LbConfig c = load("""
                state-file = "/var/lib/l4lb/state.json"
                services.web { listen = ["80"], resolve-interval = 5s,
                  servers = [{ address = "app.internal:8080", resolve = true }, "10.0.0.1:80"] }
                """);
        assertThat(c.stateFile()).isEqualTo("/var/lib/l4lb/state.json");
        ServiceConfig web = c.service("web").orElseThrow();
        assertThat(web.resolveInterval()).isEqualTo(Duration.ofSeconds(5));
        assertThat(web.servers().get(0).resolve()).isTrue();
        assertThat(web.servers().get(1).resolve()).isFalse();
        assertThat(problems("""
                services.web { listen = ["80"], servers = [{ address = "10.0.0.1:80", resolve = true }] }
                """)).containsExactly("node.conf:1: services.web.servers[0].resolve: resolve = true needs a host name, not 10.0.0.1:80");
    }

    @Test
    void serviceDefaultsApplyToEveryServiceLikeHaproxyDefaults() throws Exception {
        LbConfig c = load("""
                service-defaults { connect-timeout = 750ms, strategy = least-conn }
                server-defaults.max-fails = 3
                services {
                  a { listen = ["1001"], servers = ["10.0.0.1:1"] }
                  b { listen = ["1002"], servers = ["10.0.0.1:1"], strategy = first }
                }
                """);
        assertThat(c.service("a").orElseThrow().connectTimeout()).isEqualTo(Duration.ofMillis(750));
        assertThat(c.service("a").orElseThrow().balance().strategy()).isEqualTo(Strategy.LEAST_CONN);
        assertThat(c.service("b").orElseThrow().balance().strategy()).isEqualTo(Strategy.FIRST);
        assertThat(c.service("b").orElseThrow().servers().get(0).maxFails()).isEqualTo(3);
    }

    @Test
    void theAccessLogIsOnUnlessAServiceOrTheDefaultsTurnItOff() throws Exception {
        LbConfig on = load(SVC);
        assertThat(on.services()).allSatisfy(s -> assertThat(s.accessLog()).isTrue());
        LbConfig c = load("""
                service-defaults.access-log = false
                services {
                  quiet { listen = ["1001"], servers = ["10.0.0.1:1"] }
                  logged { listen = ["1002"], servers = ["10.0.0.1:1"], access-log = true }
                }
                """);
        assertThat(c.service("quiet").orElseThrow().accessLog()).isFalse();
        assertThat(c.service("logged").orElseThrow().accessLog()).isTrue();
        assertThat(problems("services.s { listen = [\"8000\"], servers = [\"10.0.0.1:80\"], access-log = sometimes }\n"))
                .containsExactly("node.conf:1: services.s.access-log: expected true or false, got string \"sometimes\"");
    }

    @Test
    void everyProblemIsReportedAtOnceInFileOrder() throws Exception {
        assertThat(problems("""
                services {
                  web {
                    listen = ["0.0.0.0:80"]
                    strategy = ip-hsh
                    servers = [
                      { address = "10.0.0.1:80", wieght = 5 }
                      { address = "10.0.0.1:80", weight = 1001 }
                    ]
                  }
                }
                """)).containsExactly(
                "node.conf:4: services.web.strategy: unknown value 'ip-hsh'; did you mean 'ip-hash'? expected one of"
                        + " round-robin, least-conn, ip-hash, hash, random, random-two, first",
                "node.conf:6: services.web.servers[0].wieght: unknown key 'wieght'; did you mean 'weight'?",
                "node.conf:7: services.web.servers[1].weight: must be between 0 and 1000, got 1001",
                "node.conf:7: services.web.servers[1]: duplicate server address 10.0.0.1:80 (first at line 6)");
    }

    private static final String SVC = "services.s { listen = [\"8000\"], servers = [\"10.0.0.1:80\"] }\n";

    @Test
    void unknownTopLevelKey() throws Exception {
        assertThat(problems(SVC + "servces {}\n"))
                .containsExactly("node.conf:2: servces: unknown key 'servces'; did you mean 'services'?");
    }

    @Test
    void unknownServiceKeyWithNoCloseMatchListsTheKnownOnes() throws Exception {
        assertThat(problems("services.s { listen = [\"8000\"], servers = [\"10.0.0.1:80\"], colour = red }\n"))
                .singleElement().asString()
                .startsWith("node.conf:1: services.s.colour: unknown key 'colour'; known keys: accept-proxy, accept-proxy-from, accept-proxy-timeout, access-log, allow,");
    }

    @Test
    void wrongType() throws Exception {
        assertThat(problems("services.s { listen = [\"8000\"], servers = [{ address = \"10.0.0.1:80\", weight = heavy }] }\n"))
                .containsExactly("node.conf:1: services.s.servers[0].weight: expected a whole number, got string \"heavy\"");
    }

    @Test
    void badDuration() throws Exception {
        assertThat(problems(SVC + "services.s.idle-timeout = forever\n"))
                .containsExactly("node.conf:2: services.s.idle-timeout: expected a duration such as 500ms, 5s or 10m, got string \"forever\"");
    }

    @Test
    void earlyDataBudgetIsASizeOrAuto() throws Exception {
        assertThat(problems(SVC + "early-data-budget = lots\n"))
                .containsExactly("node.conf:2: early-data-budget: expected a size such as 64MiB or 512KiB, or auto; got string \"lots\"");
        assertThat(ConfigLoader.load(write("a.conf", SVC), Map.of()).earlyDataBudget()).isEqualTo(-1);
        assertThat(ConfigLoader.load(write("b.conf", SVC + "early-data-budget = 16MiB\n"), Map.of()).earlyDataBudget())
                .isEqualTo(16L << 20);
    }

    @Test
    void aDurationWithoutAUnitIsRefusedExceptZero() throws Exception {
        assertThat(problems(SVC + "services.s.health-check { interval = 2 }\nha.advert-interval = \"1.5\"\n"))
                .containsExactly("node.conf:2: services.s.health-check.interval: a duration needs a unit, such as 500ms, 5s or 10m;"
                        + " got number 2 (a bare number would be read as milliseconds)",
                        "node.conf:3: ha.advert-interval: a duration needs a unit, such as 500ms, 5s or 10m;"
                        + " got string \"1.5\" (a bare number would be read as milliseconds)");
        LbConfig ok = ConfigLoader.load(write("ok.conf", SVC + "shutdown-timeout = 0\nservices.s.connect-timeout = 2s\n"), Map.of());
        assertThat(ok.shutdownTimeout()).isZero();
        assertThat(ok.services().get(0).connectTimeout()).hasSeconds(2);
    }

    @Test
    void transportIsChosenByNameAndCannotSpliceOffEpoll() throws Exception {
        assertThat(load(SVC).transport()).isEqualTo(TransportKind.AUTO);
        assertThat(load(SVC + "transport = io-uring\n").transport()).isEqualTo(TransportKind.IO_URING);
        assertThat(load(SVC + "transport = epoll\nsplice = on\n").splice()).isEqualTo(SpliceMode.ON);
        assertThat(problems(SVC + "transport = io_uring\n")).containsExactly(
                "node.conf:2: transport: unknown value 'io_uring'; did you mean 'io-uring'? expected one of auto, epoll, io-uring, nio");
        assertThat(problems(SVC + "transport = io-uring\nsplice = on\n")).containsExactly(
                "node.conf:3: splice: splice = on needs the epoll transport, not transport = io-uring");
        assertThat(problems(SVC + "transport = nio\nsplice = on\n")).containsExactly(
                "node.conf:3: splice: splice = on needs the epoll transport, not transport = nio");
    }

    @Test
    void priorityOutsideVrrpRange() throws Exception {
        assertThat(problems(SVC + "ha.priority = 255\n"))
                .containsExactly("node.conf:2: ha.priority: must be between 1 and 254, got 255");
    }

    @Test
    void emptyServerList() throws Exception {
        assertThat(problems("services.s {\n  listen = [\"8000\"]\n  servers = []\n}\n"))
                .containsExactly("node.conf:3: services.s.servers: a service needs at least one server");
    }

    @Test
    void noListenAddress() throws Exception {
        assertThat(problems("services.s {\n  servers = [\"10.0.0.1:80\"]\n}\n"))
                .containsExactly("node.conf:1: services.s.listen: a service needs at least one listen address");
    }

    @Test
    void backupWithHashStrategies() throws Exception {
        String expected = "backup servers cannot be used with strategy '%s' (nginx refuses this too: clients would be"
                + " remapped when backups take over)";
        assertThat(problems("services.s {\n  listen = [\"8000\"]\n  strategy = ip-hash\n"
                + "  servers = [\"10.0.0.1:80\", { address = \"10.0.0.2:80\", backup = true }]\n}\n"))
                .containsExactly("node.conf:4: services.s.servers: " + expected.formatted("ip-hash"));
        assertThat(problems("services.s {\n  listen = [\"8000\"]\n  strategy = hash\n  consistent = true\n"
                + "  servers = [\"10.0.0.1:80\", { address = \"10.0.0.2:80\", backup = true }]\n}\n"))
                .containsExactly("node.conf:5: services.s.servers: " + expected.formatted("hash"));
    }

    @Test
    void onlyBackups() throws Exception {
        assertThat(problems("services.s {\n  listen = [\"8000\"]\n  servers = [{ address = \"10.0.0.2:80\", backup = true }]\n}\n"))
                .containsExactly("node.conf:3: services.s.servers: every server is a backup; at least one must be a primary");
    }

    @Test
    void badCidrs() throws Exception {
        assertThat(problems(SVC + "services.s.allow = [\"10.0.0.0/33\", \"10.1.2.3/8\", \"2001:db8::/129\", \"ten/8\"]\n"))
                .containsExactly(
                        "node.conf:2: services.s.allow[0]: '10.0.0.0/33' is not a CIDR: prefix length must be 0..32",
                        "node.conf:2: services.s.allow[1]: '10.1.2.3/8' has host bits set beyond /8; did you mean '10.0.0.0/8'?",
                        "node.conf:2: services.s.allow[2]: '2001:db8::/129' is not a CIDR: prefix length must be 0..128",
                        "node.conf:2: services.s.allow[3]: 'ten/8' is not a CIDR: 'ten' is not an IP address");
    }

    @Test
    void badServerAddresses() throws Exception {
        assertThat(problems("services.s {\n  listen = [\"8000\"]\n  servers = [\n    \"10.0.0.300:80\"\n    \"10.0.0.1\"\n"
                + "    \"10.0.0.1:70000\"\n    \"2001:db8::1:80\"\n    \"unix:run/app.sock\"\n  ]\n}\n"))
                .containsExactly(
                        "node.conf:4: services.s.servers[0]: '10.0.0.300' in '10.0.0.300:80' is neither an IPv4 address nor a host name",
                        "node.conf:5: services.s.servers[1]: '10.0.0.1' has no port; expected host:port",
                        "node.conf:6: services.s.servers[2]: port 70000 in '10.0.0.1:70000' is outside 1..65535",
                        "node.conf:7: services.s.servers[3]: '2001:db8::1:80' looks like an IPv6 address; write it as [addr]:port",
                        "node.conf:8: services.s.servers[4]: 'unix:run/app.sock': a unix socket path must be absolute (unix:/path)");
    }

    @Test
    void listenAddressTakenTwice() throws Exception {
        assertThat(problems(SVC + "services.t { listen = [\"0.0.0.0:8000\"], servers = [\"10.0.0.1:80\"] }\n"))
                .containsExactly("node.conf:2: services.t.listen[0]: 0.0.0.0:8000 is already the listen address of service 's'");
    }

    @Test
    void sendExpectCheckWithoutExpect() throws Exception {
        assertThat(problems(SVC + "services.s.health-check { type = send-expect, send = PING }\n"))
                .containsExactly("node.conf:2: services.s.health-check.expect: a send-expect check needs the bytes the reply must start with");
    }

    @Test
    void unknownHealthCheckKeyAndEnumValue() throws Exception {
        assertThat(problems(SVC + "services.s.health-check { intervall = 1s, type = http }\n")).containsExactly(
                "node.conf:2: services.s.health-check.intervall: unknown key 'intervall'; did you mean 'interval'?",
                "node.conf:2: services.s.health-check.type: unknown value 'http'; expected one of none, tcp, send-expect");
    }

    @Test
    void haProblems() throws Exception {
        assertThat(problems(SVC + """
                ha {
                  enabled = true
                  secret = short
                  virtual-ips = ["10.99.0.300/24"]
                  track-services = [web]
                  vip-manager = ipp
                  flow-handoff = maybe
                }
                """)).containsExactly(
                "node.conf:4: ha.secret: a secret needs at least 8 characters",
                "node.conf:5: ha.virtual-ips[0]: '10.99.0.300/24' is not an IP address with an optional prefix length (10.0.0.100/24)",
                "node.conf:6: ha.track-services: tracks service 'web', which is not defined",
                "node.conf:7: ha.vip-manager: unknown value 'ipp'; did you mean 'ip'? expected one of ip, script, none",
                "node.conf:8: ha.flow-handoff: expected true or false, got string \"maybe\"");
    }

    @Test
    void trackedInterfacesAreNamesOrObjectsWithTheirWeight() throws Exception {
        LbConfig c = load(SVC + "ha.track-interface-weight = -40\n"
                + "ha.track-interfaces = [eth1, { name = bond0, weight = -10 }, { name = eth2 }]\n");
        assertThat(c.ha().trackInterfaces()).containsExactly(new TrackInterfaceConfig("eth1", -40),
                new TrackInterfaceConfig("bond0", -10), new TrackInterfaceConfig("eth2", -40));
        assertThat(load(SVC).ha().trackInterfaces()).isEmpty();
        assertThat(load(SVC + "ha.track-interfaces = [eth1]\n").ha().trackInterfaces())
                .as("keepalived's default: a failing interface means FAULT").containsExactly(new TrackInterfaceConfig("eth1", 0));
    }

    @Test
    void aTrackedInterfaceNeedsAnInterfaceName() throws Exception {
        assertThat(problems(SVC + "ha.track-interfaces = [\"eth 1\", { name = averyveryverylongname }, eth1, eth1, 3,"
                + " { nmae = eth2 }, [eth3]]\nha.track-interface-weight = 300\n")).containsExactly(
                "node.conf:2: ha.track-interfaces[0]: 'eth 1' is not an interface name (1 to 15 characters, no blank, '/' or ':')",
                "node.conf:2: ha.track-interfaces[1]: 'averyveryverylongname' is not an interface name (1 to 15 characters, no blank, '/' or ':')",
                "node.conf:2: ha.track-interfaces[4]: expected an interface name or { name, weight }, got number 3",
                "node.conf:2: ha.track-interfaces[5].nmae: unknown key 'nmae'; did you mean 'name'?",
                "node.conf:2: ha.track-interfaces[5]: '' is not an interface name (1 to 15 characters, no blank, '/' or ':')",
                "node.conf:2: ha.track-interfaces[6]: expected an interface name or { name, weight }, got a list",
                "node.conf:2: ha.track-interfaces: tracks interface 'eth1' twice",
                "node.conf:3: ha.track-interface-weight: must be between -254 and 254, got 300");
    }

    @Test
    void trackScriptNeedsACommand() throws Exception {
        assertThat(problems(SVC + "ha.track-scripts = [{ name = gw, weigth = -20 }]\n")).containsExactly(
                "node.conf:2: ha.track-scripts[0].weigth: unknown key 'weigth'; did you mean 'weight'?",
                "node.conf:2: ha.track-scripts[0].command: a track script needs a command");
    }

    @Test
    void serviceThatIsNotAnObjectAndABadName() throws Exception {
        assertThat(problems("services { \"a b\" = 5 }\n")).containsExactly(
                "node.conf:1: services.\"a b\": service names are letters, digits, '-' and '_' (at most 64), starting with a letter or digit",
                "node.conf:1: services.\"a b\": expected an object, got number 5");
    }

    @Test
    void syntaxErrorIsLocated() throws Exception {
        assertThat(problems("services {\n  s { listen = [\"8000\" }\n}\n")).singleElement().asString().startsWith("node.conf:2: ");
    }

    @Test
    void missingSubstitutionIsLocated() throws Exception {
        assertThat(problems(SVC + "ha.secret = ${L4LB_SECRET}\n")).singleElement().asString()
                .startsWith("node.conf:2: ").contains("L4LB_SECRET");
    }

    @Test
    void missingFile() {
        InvalidConfigException e = catchThrowableOfType(InvalidConfigException.class,
                () -> ConfigLoader.load(dir.resolve("nope.conf"), Map.of()));
        assertThat(e.problems()).singleElement().hasToString(
                dir.resolve("nope.conf") + ": cannot read the file (missing, not a regular file, or not readable)");
    }

    @Test
    void theShippedExamplesAreValid() throws Exception {
        Map<String, String> env = Map.of("L4LB_SECRET", "example-secret-123");
        for (String name : List.of("single.conf", "node1.conf", "node2.conf", "kernel.conf")) {
            LbConfig c = ConfigLoader.load(Path.of("../examples", name), env);
            assertThat(c.services()).as(name).isNotEmpty();
        }
        assertThat(ConfigLoader.load(Path.of("../examples/node1.conf"), env).ha().priority()).isEqualTo(150);
        assertThat(ConfigLoader.load(Path.of("../examples/kernel-pair/node1.conf"), env).ha().conntrackSync())
                .isEqualTo(new ConntrackSyncConfig(true, "10.99.0.11", "10.99.0.12", "", 3780));
        assertThat(ConfigLoader.load(Path.of("../examples/kernel-pair/node2.conf"), env).ha().conntrackSync())
                .isEqualTo(new ConntrackSyncConfig(true, "10.99.0.12", "10.99.0.11", "", 3780));
        assertThat(ConfigLoader.load(Path.of("../examples/node2.conf"), env).ha().priority()).isEqualTo(100);
        LbConfig one = ConfigLoader.load(Path.of("../examples/active-active/node1.conf"), env);
        LbConfig two = ConfigLoader.load(Path.of("../examples/active-active/node2.conf"), env);
        assertThat(one.haInstances()).extracting(HaConfig::name, HaConfig::priority, HaConfig::virtualIps)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("a", 150, List.of("10.99.0.100/24")),
                        org.assertj.core.groups.Tuple.tuple("b", 100, List.of("10.99.0.101/24")));
        assertThat(two.haInstances()).extracting(HaConfig::name, HaConfig::priority)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("a", 100), org.assertj.core.groups.Tuple.tuple("b", 150));
    }

    @Test
    void kernelForwardingTakesWhatTheKernelCanDoAndRefusesTheRestWithTheReason() throws Exception {
        LbConfig ok = load("""
                services.web { listen = ["10.0.0.100:80"], forwarding = kernel, nat = destination, strategy = ip-hash,
                  servers = ["10.0.0.1:8080", { address = "10.0.0.2:8080", weight = 3 }] }
                """);
        assertThat(ok.services().get(0).forwarding()).isEqualTo(new ForwardingConfig(Forwarding.KERNEL, NatMode.DESTINATION));
        assertThat(load(SVC).services().get(0).forwarding()).isEqualTo(ForwardingConfig.PROXY);
        assertThat(problems("""
                services.web { listen = ["[::1]:80"], forwarding = kernel, strategy = least-conn, persistence-timeout = 5m,
                  proxy-protocol = v2, max-connections = 10, allow = ["10.0.0.0/8"],
                  servers = ["unix:/run/app.sock", { address = "10.0.0.2:8080", max-conns = 5 }] }
                """)).containsExactlyInAnyOrder(
                "node.conf:1: services.web.strategy: 'least-conn' picks by open sessions at each new flow, which the"
                        + " kernel's rules cannot see; forwarding = kernel takes round-robin (numgen inc), random (numgen"
                        + " random), ip-hash or hash (jhash)",
                "node.conf:2: services.web.proxy-protocol: the kernel forwards packets and cannot add a PROXY header; the"
                        + " servers see the client's address with nat = destination",
                "node.conf:1: services.web.listen: [::1]:80: forwarding = kernel takes IPv4 listen addresses (0.0.0.0 for"
                        + " every one)",
                "node.conf:3: services.web.servers: unix:/run/app.sock: forwarding = kernel takes IPv4 server addresses");
    }

    @Test
    void directServerReturnTakesAHashTheVipAndTheServicesPortAndNothingThatCountsFlows() throws Exception {
        LbConfig ok = load("""
                services.dr { listen = ["10.0.0.100:80"], forwarding = kernel, nat = dsr, strategy = hash,
                  hash-key = source-ip-port, deny = ["10.9.0.0/16"], servers = ["10.0.0.1:80", "10.0.0.2:80"] }
                """);
        assertThat(ok.services().get(0).forwarding().nat()).isEqualTo(NatMode.DSR);
        assertThat(problems("""
                services.dr { listen = ["0.0.0.0:80"], forwarding = kernel, nat = dsr, persistence-timeout = 1m,
                  max-connections = 5, servers = ["10.0.0.1:8080", { address = "10.0.0.2:80", max-conns = 3 }] }
                """)).containsExactlyInAnyOrder(
                "node.conf:1: services.dr.strategy: nat = dsr picks a server for each packet, with no conntrack to keep a"
                        + " flow on it: use strategy = hash (hash-key = source-ip-port) or ip-hash",
                "node.conf:1: services.dr.persistence-timeout: nat = dsr: persistence needs the node to see the flows, and"
                        + " with nat = dsr the replies do not come back through it; ip-hash keeps a client on its server",
                "node.conf:2: services.dr.max-connections: nat = dsr: a limit of open flows needs the node to see the flows,"
                        + " and with nat = dsr the replies do not come back through it",
                "node.conf:1: services.dr.listen: 0.0.0.0:80: nat = dsr matches the VIP itself; listen on the VIP's address",
                "node.conf:2: services.dr.servers: 10.0.0.1:8080: nat = dsr does not rewrite the port; the servers listen on"
                        + " the service's port 80",
                "node.conf:2: services.dr.servers: 10.0.0.2:80: max-conns with nat = dsr needs the node to see the flows, and"
                        + " with nat = dsr the replies do not come back through it");
    }

    @Test
    void conntrackSyncNeedsHaAKernelServiceAndOneAddressEachWay() throws Exception {
        assertThat(problems("""
                services.web { listen = ["10.0.0.100:80"], servers = ["10.0.0.1:8080"] }
                ha { enabled = true, insecure = true, peers = ["10.0.0.12:7800", "10.0.0.13:7800"],
                  conntrack-sync { enabled = true, peer = "", adress = "x" } }
                """)).containsExactlyInAnyOrder(
                "node.conf:3: ha.conntrack-sync.adress: unknown key 'adress'; did you mean 'address'?",
                "node.conf:3: ha.conntrack-sync.enabled: copies the kernel's flows, and no service has forwarding = kernel",
                "node.conf:3: ha.conntrack-sync.address: empty takes the host of ha.bind, which is 0.0.0.0; set this node's"
                        + " address for the sync traffic",
                "node.conf:3: ha.conntrack-sync.peer: empty takes the host of the one entry of ha.peers, and there are 2;"
                        + " set the peer's address for the sync traffic (conntrackd's UDP sync is between two nodes)");
        assertThat(problems("""
                services.web { listen = ["10.0.0.100:80"], forwarding = kernel, servers = ["10.0.0.1:8080"] }
                ha.conntrack-sync { enabled = true, address = "10.0.0.11", peer = "fe80::1" }
                """)).containsExactlyInAnyOrder(
                "node.conf:2: ha.conntrack-sync.enabled: copies the flows to the node that takes over; it needs ha.enabled = true",
                "node.conf:2: ha.conntrack-sync.peer: 'fe80::1' is not an IPv4 address");
    }

    @Test
    void haInstancesReadTheirOwnKeysOverTheBlocks() throws Exception {
        LbConfig c = load(SVC + """
                ha {
                  enabled = true
                  insecure = true
                  priority = 120
                  track-services = [s]
                  instances {
                    a { group = ga, bind = "0.0.0.0:7800", virtual-ips = ["10.0.0.100/24"] }
                    b { group = gb, bind = "0.0.0.0:7801", virtual-ips = ["10.0.0.101/24"], priority = 90, preempt = false }
                  }
                  sync-groups { edge = [a, b] }
                }
                """);
        assertThat(c.haInstances()).hasSize(2);
        HaConfig a = c.haInstances().get(0);
        HaConfig b = c.haInstances().get(1);
        assertThat(c.ha()).isSameAs(a);
        assertThat(a.name()).isEqualTo("a");
        assertThat(a.group()).isEqualTo("ga");
        assertThat(a.priority()).isEqualTo(120);
        assertThat(a.preempt()).isTrue();
        assertThat(a.trackServices()).containsExactly("s");
        assertThat(a.syncGroup()).isEqualTo("edge");
        assertThat(b.priority()).isEqualTo(90);
        assertThat(b.preempt()).isFalse();
        assertThat(b.bind().port()).isEqualTo(7801);
        assertThat(b.syncGroup()).isEqualTo("edge");

        LbConfig single = load(SVC + "ha { enabled = true, insecure = true, virtual-ips = [\"10.0.0.100\"] }\n");
        assertThat(single.haInstances()).singleElement().satisfies(h -> {
            assertThat(h.name()).isEqualTo(HaConfig.SHORTHAND);
            assertThat(h.syncGroup()).isEmpty();
        });
    }

    @Test
    void haInstancesThatCannotLiveOnOneNodeAreRefused() throws Exception {
        assertThat(problems(SVC + """
                ha {
                  enabled = true
                  insecure = true
                  virtual-ips = ["10.0.0.100/24"]
                  instances {
                    a { group = g }
                    b { group = g, nice = 0, warm-up-connections = 5, prio = 3 }
                    "c-1" { group = gc, bind = "10.0.0.1:7802" }
                  }
                  sync-groups { one = [a], two = [a, b, nope], three = [b] }
                }
                """)).containsExactlyInAnyOrder(
                "node.conf:8: ha.instances.b.warm-up-connections: 'warm-up-connections' is set for the whole node, in ha itself, not per instance",
                "node.conf:8: ha.instances.b.prio: unknown key 'prio'; known keys: advert-interval, bind, flow-handoff,"
                        + " flow-handoff-timeout, garp-interval, garp-repeat, group, insecure, interface, nice, notify, peers,"
                        + " preempt, preempt-delay, priority, secret, track-interface-weight, track-interfaces, track-scripts,"
                        + " track-service-weight, track-services, vip-manager, virtual-ips",
                "node.conf:9: ha.instances.c-1: instance names are letters, digits and '_' (at most 32), starting with a letter",
                "node.conf:11: ha.sync-groups.one: a sync group needs at least two instances",
                "node.conf:11: ha.sync-groups.two: instance 'a' is already in sync group 'one'; an instance moves with one group",
                "node.conf:11: ha.sync-groups.two: names instance 'nope', which is not in ha.instances",
                "node.conf:11: ha.sync-groups.three: a sync group needs at least two instances",
                "node.conf:11: ha.sync-groups.three: instance 'b' is already in sync group 'two'; an instance moves with one group",
                "node.conf:6: ha.instances: instances 'a' and 'b' are both in group 'g'; give each its own group",
                "node.conf:6: ha.instances: instances 'a' and 'b' both bind 0.0.0.0:7800 and 0.0.0.0:7800; give each its own"
                        + " cluster port (bind, and the peers' ports to match)",
                "node.conf:6: ha.instances: instances 'a' and 'b' both hold VIP 10.0.0.100; a VIP belongs to one instance"
                        + " (virtual-ips set in ha itself goes to every instance)",
                "node.conf:6: ha.instances: instances 'a' and 'c-1' both hold VIP 10.0.0.100; a VIP belongs to one instance"
                        + " (virtual-ips set in ha itself goes to every instance)",
                "node.conf:6: ha.instances: instances 'b' and 'c-1' both hold VIP 10.0.0.100; a VIP belongs to one instance"
                        + " (virtual-ips set in ha itself goes to every instance)");
        assertThat(problems(SVC + "ha.sync-groups { x = [a, b] }\n")).containsExactly(
                "node.conf:2: ha.sync-groups.x: sync groups join instances of ha.instances, and there is none",
                "node.conf:2: ha.sync-groups.x: sync groups join instances of ha.instances, and there is none");
    }

    @Test
    void everyDefaultInReferenceConfHasAComment() throws IOException {
        List<String> lines = new String(ConfigLoader.class.getClassLoader().getResourceAsStream("reference.conf").readAllBytes())
                .lines().toList();
        for (int i = 1; i < lines.size(); i++) {
            String line = lines.get(i).trim();
            if (line.matches("[a-z-]+ = .*")) {
                assertThat(lines.get(i - 1).trim()).as("comment above '%s'", line).startsWith("#");
            }
        }
    }

    private static final String ONE_SERVICE = "services.s { listen = [\"127.0.0.1:8000\"], servers = [\"127.0.0.1:9000\"] }\n";

    @Test
    void aValueNestedTwentyThousandLevelsDeepIsOneProblemNotAStackOverflow() throws Exception {
        String deep = "x = " + "[".repeat(20_000) + "]".repeat(20_000) + "\n";
        assertThat(problems(ONE_SERVICE + deep)).singleElement().asString()
                .startsWith("node.conf:2:").contains("nested 20000 levels deep; at most 64");
        // Nested through substitutions, which no look at the text sees: caught all the same.
        StringBuilder chain = new StringBuilder(ONE_SERVICE + "a0 = {}\n");
        for (int i = 1; i < 20_000; i++) {
            chain.append("a").append(i).append(" = { v = ${a").append(i - 1).append("} }\n");
        }
        assertThat(String.join("\n", problems(chain.toString()))).contains("nested too deeply").doesNotContain("StackOverflow");
    }

    @Test
    void aFileOfMegabytesIsRefusedBeforeItIsParsed() throws Exception {
        StringBuilder big = new StringBuilder(ONE_SERVICE);
        for (int i = 0; big.length() < 5_400_000; i++) {
            big.append("k").append(i).append(" = ").append(i).append('\n');
        }
        long start = System.nanoTime();
        assertThat(problems(big.toString())).singleElement().asString()
                .startsWith("node.conf:").contains("at most 1048576 (1 MiB)");
        assertThat(java.time.Duration.ofNanos(System.nanoTime() - start)).isLessThan(java.time.Duration.ofSeconds(5));
    }

    @Test
    void includesOfMissingFilesAreNamedWithTheirLine() throws Exception {
        assertThat(problems(ONE_SERVICE + "include required(\"missing.conf\")\n")).singleElement().asString()
                .isEqualTo("node.conf:2: include required: no file missing.conf");
        assertThat(problems(ONE_SERVICE + "include required(file(\"gone/x.conf\"))\n")).singleElement().asString()
                .startsWith("node.conf:2: include required: no file ").doesNotContain("classpath");
        // Optional as HOCON has it, and said at start (the log): the node still loads.
        assertThat(load(ONE_SERVICE + "include \"missing.conf\"\n").services()).hasSize(1);
        // An included file is checked as the including one is.
        write("deep.conf", "y = " + "{ a = ".repeat(100) + "1" + " }".repeat(100) + "\n");
        assertThat(problems(ONE_SERVICE + "include \"deep.conf\"\n")).singleElement().asString()
                .startsWith("deep.conf:1:").contains("nested 100 levels deep");
    }

    @Test
    void anEmptyFileOrOneWithoutServicesIsRefused() throws Exception {
        assertThat(problems("")).singleElement().asString().contains("no service: a node needs at least one");
        assertThat(problems("# only a comment\nservices {}\n")).singleElement().asString().contains("no service");
    }

    @Test
    void anAdminAddressThatIsAlsoAServicesIsCaughtByTheCheck() throws Exception {
        assertThat(problems("admin.listen = \"127.0.0.1:8000\"\n" + ONE_SERVICE)).singleElement().asString()
                .startsWith("node.conf:1: admin.listen:").contains("service 's' listens");
        assertThat(problems("admin.listen = \"0.0.0.0:8000\"\n" + ONE_SERVICE)).hasSize(1);
        assertThat(load("admin.listen = \"127.0.0.1:8001\"\n" + ONE_SERVICE).admin().listen().port()).isEqualTo(8001);
    }

    @Test
    void nestingIsCountedOutsideStringsAndComments() {
        assertThat(FileChecks.deepest("a = \"[[[[\" # {{{{\nb = [1, {c = 2}] // [[[\nd = \"\"\"[[[\n[[\"\"\"\n")[0]).isEqualTo(2);
    }
}

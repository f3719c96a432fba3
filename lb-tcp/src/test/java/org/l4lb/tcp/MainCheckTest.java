package org.l4lb.tcp;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MainCheckTest {

    @TempDir
    Path dir;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) {
        return Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @Test
    void checkOfAGoodConfigExitsZero() throws Exception {
        Path f = Files.writeString(dir.resolve("ok.conf"), "services.s { listen = [\"8000\"], servers = [\"127.0.0.1:9001\"] }\n");
        assertThat(run("--check", f.toString())).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("configuration is ok (1 service(s))");
    }

    @Test
    void checkOfABadConfigPrintsFileLineMessagesAndExitsTwo() throws Exception {
        Path f = Files.writeString(dir.resolve("bad.conf"), "services.s {\n  listen = [\"8000\"]\n  servers = [\"127.0.0.1:99999\"]\n}\n");
        assertThat(run("--check", f.toString())).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).startsWith(
                f + ":3: services.s.servers[0]: port 99999 in '127.0.0.1:99999' is outside 1..65535\n"
                        + f + ": configuration test failed (1 problem(s))");
    }

    @Test
    void versionAndUsage() {
        assertThat(run("--version")).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).startsWith("l4lb ");
        assertThat(run("--bogus", "x", "y")).isEqualTo(64);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("usage: java -jar lb-tcp.jar [--check] CONFIG");
    }

    @Test
    void checkFailsOnAServerNameThatDoesNotResolveUnlessItIsFollowed() throws Exception {
        Path f = Files.writeString(dir.resolve("names.conf"), "services.s { listen = [\"8000\"], servers = [\"127.0.0.1:9001\","
                + " \"no-such-host.invalid:9002\", { address = \"also-missing.invalid:9003\", resolve = true }] }\n");
        assertThat(run("--check", f.toString())).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).isEqualTo("services.s: server no-such-host.invalid:9002: host name"
                + " 'no-such-host.invalid' does not resolve (a start would fail; resolve = true follows a name that comes and goes)\n"
                + f + ": configuration test failed (1 problem(s))\n");
        assertThat(out.toString(StandardCharsets.UTF_8)).isEmpty();
    }

    @Test
    void helpPrintsTheUsageOnStdoutAndExitsZero() {
        for (String flag : new String[] {"--help", "-h"}) {
            out.reset();
            err.reset();
            assertThat(run(flag)).as(flag).isZero();
            assertThat(out.toString(StandardCharsets.UTF_8)).startsWith("usage: java -jar lb-tcp.jar [--check] CONFIG")
                    .contains("ctl [--admin HOST:PORT]", "--version | --help");
            assertThat(err.toString(StandardCharsets.UTF_8)).isEmpty();
        }
    }
}

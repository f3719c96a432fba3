package org.l4lb.tcp.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One of three servers dies under a steady stream of new connections, then comes back. */
class ServerFailureIT {

    @TempDir
    Path dir;

    @Test
    void aKilledServerCostsNoClientAConnectionAndReturnsAfterRestart() throws Exception {
        try (Backend a = Backend.naming("a"); Backend b = Backend.naming("b"); Backend c = Backend.naming("c")) {
            int port = Ports.free();
            try (LbProcess lb = LbProcess.start(dir, """
                    services.s {
                      listen = ["127.0.0.1:%d"]
                      servers = ["%s", "%s", "%s"]
                      health-check { interval = 200ms, timeout = 200ms, rise = 2, fall = 2 }
                    }
                    server-defaults { max-fails = 1, fail-timeout = 2s }
                    """.formatted(port, a.address(), b.address(), c.address()))) {
                List<String> failures = new ArrayList<>();
                List<String> served = new ArrayList<>();
                long start = System.nanoTime();
                boolean killed = false;
                boolean restarted = false;
                int servedAtRestart = 0;
                // A new connection every 5 ms for 7 s; b dies at 1 s and restarts at 3 s.
                while (System.nanoTime() - start < TimeUnit.SECONDS.toNanos(7)) {
                    long t = System.nanoTime() - start;
                    if (!killed && t > TimeUnit.SECONDS.toNanos(1)) {
                        b.stop();
                        killed = true;
                    }
                    if (!restarted && t > TimeUnit.SECONDS.toNanos(3)) {
                        assertThat(lb.log()).contains("server " + b.address() + ": passive down")
                                .contains("server " + b.address() + ": health down");
                        b.start();
                        restarted = true;
                        servedAtRestart = served.size();
                    }
                    try (Socket s = new Socket("127.0.0.1", port)) {
                        s.setSoTimeout(3000);
                        String name = new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
                        if (name.isEmpty()) {
                            failures.add("empty answer at " + TimeUnit.NANOSECONDS.toMillis(t) + " ms");
                        } else {
                            served.add(name);
                        }
                    } catch (Exception e) {
                        failures.add(e + " at " + TimeUnit.NANOSECONDS.toMillis(t) + " ms");
                    }
                    Thread.sleep(5);
                }
                assertThat(failures).isEmpty();
                assertThat(served).hasSizeGreaterThan(300);
                assertThat(lb.log()).contains("server " + b.address() + ": health up");
                long bAfterRestart = served.subList(servedAtRestart, served.size()).stream().filter("b"::equals).count();
                assertThat(bAfterRestart).as("b takes sessions again after its restart").isGreaterThan(20);
                assertThat(lb.metricSum("l4lb_service_retries_total", "service=\"s\"")).isGreaterThanOrEqualTo(1.0);
                assertThat(lb.get("/status")).contains("\"name\" : \"" + b.address() + "\"");
            }
        }
    }
}

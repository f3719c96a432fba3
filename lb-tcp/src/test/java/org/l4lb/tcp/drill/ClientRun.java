package org.l4lb.tcp.drill;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The drill client's run and what its attempts show. */
final class ClientRun {

    record Attempt(long at, boolean ok, String detail) {
    }

    private final Process process;
    private final Path out;

    private ClientRun(Process process, Path out) {
        this.process = process;
        this.out = out;
    }

    static ClientRun start(String ns, Path dir, String target, long durationMs) throws IOException {
        Path src = dir.resolve("DrillClient.java");
        if (!Files.exists(src)) {
            try (var in = ClientRun.class.getResourceAsStream("/drill/DrillClient.java")) {
                Files.copy(in, src);
            }
        }
        Path out = Files.createTempFile(dir, "client", ".out");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder("ip", "netns", "exec", ns, java, src.toString(), target, "80", "20",
                Long.toString(durationMs)).redirectErrorStream(true).redirectOutput(out.toFile()).start();
        return new ClientRun(p, out);
    }

    List<Attempt> finish() throws IOException, InterruptedException {
        if (!process.waitFor(120, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
        List<Attempt> list = new ArrayList<>();
        for (String line : Files.readAllLines(out)) {
            String[] f = line.split(" ", 3);
            if (f.length == 3 && f[0].chars().allMatch(Character::isDigit)) {
                list.add(new Attempt(Long.parseLong(f[0]), f[1].equals("OK"), f[2]));
            }
        }
        return list;
    }

    /** The client's own start-up (the JVM compiling DrillClient.java) takes a moment. */
    static void awaitFirstAttempt() throws InterruptedException {
        Thread.sleep(1500);
    }

    /** Outage around {@code t}: last success before it to first success after it, and the failures between. */
    record Window(long outageMs, int failed, String servedBefore, String servedAfter) {
    }

    static Window window(List<Attempt> attempts, long from, long to) {
        Attempt lastOk = null;
        Attempt firstOkAfter = null;
        int failed = 0;
        for (Attempt a : attempts) {
            if (a.at() < from) {
                if (a.ok()) {
                    lastOk = a;
                }
            } else if (a.at() <= to) {
                if (!a.ok()) {
                    failed++;
                } else if (firstOkAfter == null && failed > 0) {
                    firstOkAfter = a;
                }
            }
        }
        long outage = failed == 0 || lastOk == null || firstOkAfter == null ? 0 : firstOkAfter.at() - lastOk.at();
        String after = null;
        for (Attempt a : attempts) {
            if (a.at() >= from && a.at() <= to && a.ok()) {
                after = a.detail();
            }
        }
        return new Window(outage, failed, lastOk == null ? null : lastOk.detail(), after);
    }
}

package org.l4lb.tcp.kernel;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The netfilter tools the kernel path drives (nft, conntrack, conntrackd), each run with its input
 * and at most 10 s: {@code nft -f -} takes a script on its standard input.
 */
final class Nft {

    record Result(boolean ok, String output) {
    }

    private Nft() {
    }

    static Result run(String script) {
        return exec(List.of("nft", "-f", "-"), script);
    }

    /** {@code nft -j list WHAT...}: the answer in JSON (nft 1.0 prints none for a list read with -f). */
    static Result list(String... what) {
        List<String> cmd = new ArrayList<>(List.of("nft", "-j", "list"));
        cmd.addAll(List.of(what));
        return exec(cmd, "", true);
    }

    static Result exec(List<String> cmd, String script) {
        return exec(cmd, script, false);
    }

    /** A command whose answer is its standard output alone (conntrack writes a count on standard error). */
    static Result read(List<String> cmd) {
        return exec(cmd, "", true);
    }

    /**
     * With {@code stdoutOnly} the answer is standard output alone when the command succeeds (nft
     * -j writes warnings on standard error beside its JSON), standard error when it fails.
     */
    private static Result exec(List<String> cmd, String script, boolean stdoutOnly) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(!stdoutOnly).start();
            p.getOutputStream().write(script.getBytes(StandardCharsets.UTF_8));
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            String err = stdoutOnly ? new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8).trim() : "";
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return new Result(false, cmd.get(0) + " did not answer within 10 s");
            }
            boolean ok = p.exitValue() == 0;
            return new Result(ok, ok || !stdoutOnly ? out : err + out);
        } catch (IOException e) {
            return new Result(false, e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(false, "interrupted");
        }
    }
}

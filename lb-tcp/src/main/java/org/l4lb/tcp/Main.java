package org.l4lb.tcp;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Properties;
import org.l4lb.core.config.ConfigLoader;
import org.l4lb.core.config.ConfigProblem;
import org.l4lb.core.config.InvalidConfigException;
import org.l4lb.core.config.LbConfig;

/**
 * {@code java -jar lb-tcp.jar [--check] CONFIG | --version}.
 * Exit codes: 0 fine, 2 bad configuration (nothing started), 64 bad command line.
 */
public final class Main {

    static final int EXIT_OK = 0;
    static final int EXIT_BAD_CONFIG = 2;
    static final int EXIT_USAGE = 64;

    private Main() {
    }

    public static void main(String[] args) {
        int code = run(args, System.out, System.err);
        if (code != EXIT_OK) {
            System.exit(code);
        }
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length == 1 && args[0].equals("--version")) {
            out.println("l4lb " + version());
            return EXIT_OK;
        }
        boolean checkOnly = args.length == 2 && args[0].equals("--check");
        if (!(checkOnly || (args.length == 1 && !args[0].startsWith("-")))) {
            err.println("usage: java -jar lb-tcp.jar [--check] CONFIG");
            err.println("       java -jar lb-tcp.jar --version");
            return EXIT_USAGE;
        }
        Path file = Path.of(args[args.length - 1]);
        LbConfig config;
        try {
            config = ConfigLoader.load(file);
        } catch (InvalidConfigException e) {
            for (ConfigProblem p : e.problems()) {
                err.println(p);
            }
            err.println(file + ": configuration test failed (" + e.problems().size() + " problem(s))");
            return EXIT_BAD_CONFIG;
        }
        if (checkOnly) {
            out.println(file + ": configuration is ok (" + config.services().size() + " service(s))");
            return EXIT_OK;
        }
        err.println("the data plane is not built yet (see the \"Data plane\" issue); use --check");
        return EXIT_USAGE;
    }

    static String version() {
        try (InputStream in = Main.class.getResourceAsStream("version.properties")) {
            Properties p = new Properties();
            if (in != null) {
                p.load(in);
            }
            return p.getProperty("version", "unknown");
        } catch (IOException e) {
            return "unknown";
        }
    }
}

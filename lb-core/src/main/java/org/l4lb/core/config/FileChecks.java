package org.l4lb.core.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What is checked of a configuration file, and of the files it includes, before the parser reads
 * them: a size and a nesting depth no configuration needs (beyond them the parser runs out of
 * heap or stack), and includes of files that do not exist. The parser skips a missing
 * {@code include "x"} without a word and reports a missing {@code include required("x")}
 * without the including file's line; here the first is a warning and the second a problem, each
 * with the file and line of the include.
 */
final class FileChecks {

    private static final Logger LOG = LoggerFactory.getLogger(FileChecks.class);

    /** Far above any real configuration (hundreds of services and servers take a few tens of KiB). */
    static final long MAX_BYTES = 1024 * 1024;
    static final int MAX_NESTING = 64;
    private static final int MAX_FILES = 64;

    /** {@code include "x"}, {@code include file("x")}, {@code include required(file("x"))}; not url() or classpath(). */
    private static final Pattern INCLUDE = Pattern.compile(
            "^\\s*include\\s+(required\\s*\\(\\s*)?(file\\s*\\(\\s*)?\"([^\"]+)\"");

    private final Problems problems;
    private final Set<Path> seen = new HashSet<>();

    private FileChecks(Problems problems) {
        this.problems = problems;
    }

    /** @return whether the parser may read the file: false once a problem was added */
    static boolean check(Path file, Problems problems) {
        FileChecks c = new FileChecks(problems);
        c.checkFile(file.toAbsolutePath().normalize());
        return problems.isEmpty();
    }

    private void checkFile(Path file) {
        if (!seen.add(file) || seen.size() > MAX_FILES) {
            return; // a cycle or a fan-out the parser reports or bounds itself
        }
        String name = file.toString();
        String text;
        try {
            long size = Files.size(file);
            if (size > MAX_BYTES) {
                problems.add(name, -1, "", "the file has " + size + " bytes; a configuration file may have at most "
                        + MAX_BYTES + " (1 MiB)");
                return;
            }
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException | RuntimeException e) {
            problems.add(name, -1, "", "cannot read the file: " + e.getMessage());
            return;
        }
        int[] nesting = deepest(text);
        if (nesting[0] > MAX_NESTING) {
            problems.add(name, nesting[1], "", "values nested " + nesting[0] + " levels deep; at most " + MAX_NESTING);
            return;
        }
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            Matcher m = INCLUDE.matcher(lines[i]);
            if (!m.find()) {
                continue;
            }
            boolean required = m.group(1) != null;
            Path target = file.resolveSibling(m.group(3)).normalize();
            if (Files.isRegularFile(target)) {
                checkFile(target);
            } else if (required) {
                problems.add(name, i + 1, "", "include required: no file " + target);
            } else if (m.group(2) != null || !isResourceName(m.group(3))) {
                LOG.warn("{}:{}: include \"{}\": no file {}; skipped (include required(...) makes it an error)", name, i + 1,
                        m.group(3), target);
            }
        }
    }

    /** A bare name the parser may also find on the class path (reference.conf and the like). */
    private static boolean isResourceName(String what) {
        return what.equals("reference.conf") || what.equals("application.conf");
    }

    /** The deepest nesting of objects and arrays outside strings and comments, and its line. */
    static int[] deepest(String text) {
        int depth = 0;
        int max = 0;
        int maxLine = -1;
        int line = 1;
        int n = text.length();
        for (int i = 0; i < n; i++) {
            char c = text.charAt(i);
            if (c == '\n') {
                line++;
            } else if (c == '#' || c == '/' && i + 1 < n && text.charAt(i + 1) == '/') {
                while (i + 1 < n && text.charAt(i + 1) != '\n') {
                    i++;
                }
            } else if (c == '"') {
                if (text.startsWith("\"\"\"", i)) {
                    int end = text.indexOf("\"\"\"", i + 3);
                    int stop = end < 0 ? n : end + 2;
                    line += (int) text.substring(i, Math.min(stop + 1, n)).chars().filter(ch -> ch == '\n').count();
                    i = stop;
                } else {
                    for (i++; i < n && text.charAt(i) != '"' && text.charAt(i) != '\n'; i++) {
                        if (text.charAt(i) == '\\') {
                            i++;
                        }
                    }
                    if (i < n && text.charAt(i) == '\n') {
                        line++;
                    }
                }
            } else if (c == '{' || c == '[') {
                if (++depth > max) {
                    max = depth;
                    maxLine = line;
                }
            } else if ((c == '}' || c == ']') && depth > 0) {
                depth--;
            }
        }
        return new int[] {max, maxLine};
    }
}

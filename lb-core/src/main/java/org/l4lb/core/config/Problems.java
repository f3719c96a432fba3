package org.l4lb.core.config;

import com.typesafe.config.ConfigOrigin;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The problems found so far, each located at a typesafe-config origin. */
final class Problems {

    private final List<ConfigProblem> list = new ArrayList<>();
    private final String fallbackFile;

    Problems(String fallbackFile) {
        this.fallbackFile = fallbackFile;
    }

    private static final Pattern MERGED = Pattern.compile("merge of (.+?): (\\d+)(,.*)?");

    void add(ConfigOrigin origin, String path, String message) {
        if (origin != null && origin.lineNumber() < 0) {
            // An object written in several places (an include and an override) has a merged origin;
            // its first part is where the operator wrote it first.
            Matcher m = MERGED.matcher(origin.description());
            if (m.matches()) {
                list.add(new ConfigProblem(m.group(1), Integer.parseInt(m.group(2)), path, message));
                return;
            }
        }
        list.add(new ConfigProblem(fileOf(origin), origin == null ? -1 : origin.lineNumber(), path, message));
    }

    void add(String file, int line, String path, String message) {
        list.add(new ConfigProblem(file, line, path, message));
    }

    private String fileOf(ConfigOrigin origin) {
        if (origin == null) {
            return fallbackFile;
        }
        if (origin.filename() != null) {
            return origin.filename();
        }
        if (origin.resource() != null) {
            return origin.resource();
        }
        return fallbackFile;
    }

    boolean isEmpty() {
        return list.isEmpty();
    }

    /** In file and line order, as the operator reads the file; stable for one line. */
    List<ConfigProblem> list() {
        List<ConfigProblem> sorted = new ArrayList<>(list);
        sorted.sort(java.util.Comparator.comparing(ConfigProblem::file).thenComparingInt(ConfigProblem::line));
        return List.copyOf(sorted);
    }
}

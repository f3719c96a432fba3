package org.l4lb.core.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigOrigin;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Typed reads of one config object that never throw: each bad value becomes a {@link ConfigProblem}
 * located at its origin and a harmless stand-in is returned, so one pass reports every problem.
 */
final class ConfigReader {

    private final Config config;
    private final String displayPath;
    private final ConfigOrigin ownOrigin;
    private final Problems problems;

    ConfigReader(Config config, String displayPath, ConfigOrigin ownOrigin, Problems problems) {
        this.config = config;
        this.displayPath = displayPath;
        this.ownOrigin = ownOrigin;
        this.problems = problems;
    }

    Config config() {
        return config;
    }

    Problems problems() {
        return problems;
    }

    ConfigOrigin origin() {
        return ownOrigin;
    }

    /** Display path of a key below this object, e.g. {@code services.web.servers[0].weight}. */
    String path(String key) {
        String quoted = ConfigUtil.joinPath(key);
        return displayPath.isEmpty() ? quoted : displayPath + "." + quoted;
    }

    /**
     * Where the operator wrote the key; for a value that comes from the defaults, where the
     * enclosing object was written, so every message points into the operator's own files.
     */
    ConfigOrigin originOf(String key) {
        String path = ConfigUtil.joinPath(key);
        if (!config.hasPathOrNull(path)) {
            return ownOrigin;
        }
        ConfigOrigin o = config.getValue(path).origin();
        // Only reference.conf is parsed as a resource; the operator's files are parsed as files.
        return o.resource() != null && ownOrigin != null ? ownOrigin : o;
    }

    ConfigValue value(String key) {
        return config.getValue(ConfigUtil.joinPath(key));
    }

    void problem(String key, String message) {
        problems.add(originOf(key), path(key), message);
    }

    /** Reports keys of {@code written} that the defaults do not know, with a suggestion. */
    void unknownKeys(ConfigObject written, Set<String> known) {
        for (String key : written.keySet()) {
            if (!known.contains(key)) {
                String hint = Suggestion.closest(key, known).map(s -> "; did you mean '" + s + "'?")
                        .orElse("; known keys: " + known.stream().sorted().collect(Collectors.joining(", ")));
                problems.add(written.get(key).origin(), path(key), "unknown key '" + key + "'" + hint);
            }
        }
    }

    String string(String key) {
        ConfigValue v = value(key);
        if (v.valueType() == ConfigValueType.OBJECT || v.valueType() == ConfigValueType.LIST
                || v.valueType() == ConfigValueType.NULL) {
            wrongType(key, v, "a string");
            return "";
        }
        return String.valueOf(v.unwrapped());
    }

    boolean bool(String key) {
        try {
            return config.getBoolean(ConfigUtil.joinPath(key));
        } catch (ConfigException.WrongType e) {
            wrongType(key, value(key), "true or false");
            return false;
        }
    }

    int intIn(String key, int min, int max) {
        int v;
        try {
            v = config.getInt(ConfigUtil.joinPath(key));
        } catch (ConfigException.WrongType e) {
            wrongType(key, value(key), "a whole number");
            return min;
        }
        if (v < min || v > max) {
            problem(key, "must be between " + min + " and " + max + ", got " + v);
            return min;
        }
        return v;
    }

    /** A size in bytes (64MiB, 512KiB), or -1 for {@code auto}. */
    long sizeOrAuto(String key) {
        ConfigValue v = value(key);
        if (v.valueType() == ConfigValueType.STRING && "auto".equals(v.unwrapped())) {
            return -1;
        }
        try {
            long bytes = config.getBytes(ConfigUtil.joinPath(key));
            if (bytes < 0) {
                problem(key, "must not be negative, got " + render(v));
            }
            return bytes;
        } catch (ConfigException e) {
            problem(key, "expected a size such as 64MiB or 512KiB, or auto; got " + render(v));
            return -1;
        }
    }

    Duration duration(String key, Duration min) {
        if (bareNumber(value(key))) {
            // typesafe-config reads a bare number as milliseconds; nginx reads it as seconds. Either
            // guess is wrong for someone: `interval = 2` probed every server 500 times a second.
            problem(key, "a duration needs a unit, such as 500ms, 5s or 10m; got " + render(value(key))
                    + " (a bare number would be read as milliseconds)");
            return min;
        }
        Duration d;
        try {
            d = config.getDuration(ConfigUtil.joinPath(key));
        } catch (ConfigException.WrongType | ConfigException.BadValue e) {
            problem(key, "expected a duration such as 500ms, 5s or 10m, got " + render(value(key)));
            return min;
        }
        if (d.compareTo(min) < 0) {
            problem(key, min.isZero() ? "must not be negative, got " + render(value(key))
                    : "must be at least " + min.toMillis() + "ms, got " + render(value(key)));
            return min;
        }
        return d;
    }

    <E extends Enum<E> & Named> E named(String key, Class<E> type) {
        E[] all = type.getEnumConstants();
        String written = string(key);
        for (E e : all) {
            if (e.configName().equals(written)) {
                return e;
            }
        }
        List<String> names = Arrays.stream(all).map(Named::configName).toList();
        String hint = Suggestion.closest(written, names).map(s -> "did you mean '" + s + "'? ").orElse("");
        problem(key, "unknown value '" + written + "'; " + hint + "expected one of " + String.join(", ", names));
        return all[0];
    }

    List<String> strings(String key) {
        return list(key, "a list of strings", (item) -> {
            if (item.value.valueType() == ConfigValueType.OBJECT || item.value.valueType() == ConfigValueType.LIST) {
                problems.add(item.value.origin(), item.path, "expected a string, got " + render(item.value));
                return null;
            }
            return String.valueOf(item.value.unwrapped());
        });
    }

    /** A list element with where it was written. */
    record Item(int index, ConfigValue value, String path) {
    }

    /** Maps each element; a null result drops it (its problem already reported). */
    <T> List<T> list(String key, String expected, Function<Item, T> parse) {
        ConfigValue v = value(key);
        if (v.valueType() != ConfigValueType.LIST) {
            wrongType(key, v, expected);
            return List.of();
        }
        List<T> out = new ArrayList<>();
        List<?> elements = (List<?>) v;
        for (int i = 0; i < elements.size(); i++) {
            T t = parse.apply(new Item(i, (ConfigValue) elements.get(i), path(key) + "[" + i + "]"));
            if (t != null) {
                out.add(t);
            }
        }
        return out;
    }

    /** A parser's complaint becomes a problem at the value. */
    <T> T parsed(String key, Function<String, T> parser, T fallback) {
        String s = string(key);
        try {
            return parser.apply(s);
        } catch (IllegalArgumentException e) {
            problem(key, e.getMessage());
            return fallback;
        }
    }

    private void wrongType(String key, ConfigValue v, String expected) {
        problem(key, "expected " + expected + ", got " + render(v));
    }

    /** A number, written bare or quoted, other than 0 (which means the same in every unit). */
    private static boolean bareNumber(ConfigValue v) {
        String text = String.valueOf(v.unwrapped()).trim();
        return (v.valueType() == ConfigValueType.NUMBER || v.valueType() == ConfigValueType.STRING)
                && text.matches("[+-]?[0-9]+(\\.[0-9]+)?") && Double.parseDouble(text) != 0;
    }

    static String render(ConfigValue v) {
        return switch (v.valueType()) {
            case STRING -> "string \"" + v.unwrapped() + "\"";
            case NUMBER -> "number " + v.unwrapped();
            case BOOLEAN -> "boolean " + v.unwrapped();
            case NULL -> "null";
            case LIST -> "a list";
            case OBJECT -> "an object";
        };
    }
}

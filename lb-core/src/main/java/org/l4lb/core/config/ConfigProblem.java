package org.l4lb.core.config;

/**
 * One thing wrong with a configuration, located in the file the operator wrote.
 *
 * @param file the file the offending value came from (an included file where it came from one)
 * @param line 1-based line, or -1 when unknown
 * @param path the setting, e.g. {@code services.web.servers[1].weight}
 * @param message what is wrong, and where possible what would be right
 */
public record ConfigProblem(String file, int line, String path, String message) {

    /** {@code file:line: path: message}, the form compilers and {@code nginx -t} use. */
    @Override
    public String toString() {
        String where = line > 0 ? file + ":" + line : file;
        return path.isEmpty() ? where + ": " + message : where + ": " + path + ": " + message;
    }
}

package org.l4lb.core.config;

import java.util.List;

/** Carries every problem found in a configuration; nothing may start while it is thrown. */
public final class InvalidConfigException extends Exception {

    private static final long serialVersionUID = 1L;

    private final List<ConfigProblem> problems;

    public InvalidConfigException(List<ConfigProblem> problems) {
        super(problems.size() + " problem(s) in the configuration:\n" + render(problems));
        this.problems = List.copyOf(problems);
    }

    public List<ConfigProblem> problems() {
        return problems;
    }

    private static String render(List<ConfigProblem> problems) {
        StringBuilder sb = new StringBuilder();
        for (ConfigProblem p : problems) {
            sb.append(p).append('\n');
        }
        return sb.toString();
    }
}

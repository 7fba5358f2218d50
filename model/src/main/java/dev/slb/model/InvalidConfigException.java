package dev.slb.model;

import java.util.List;

/** A config that cannot be served; each problem names the field and the reason. */
public final class InvalidConfigException extends Exception {
    private final List<String> problems;

    public InvalidConfigException(List<String> problems) {
        super(String.join("; ", problems));
        this.problems = List.copyOf(problems);
    }

    public List<String> problems() {
        return problems;
    }
}

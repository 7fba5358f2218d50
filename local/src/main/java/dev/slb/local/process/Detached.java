package dev.slb.local.process;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs child processes in a session of their own (with util-linux's {@code setsid}, when the
 * machine has it), so that Ctrl-C in the terminal reaches local/ alone and local/ stops its
 * children in order: the operator first, then each pod with its drain. {@code setsid} execs the
 * command, so the PID stays the child's.
 */
public final class Detached {

    private static final String SETSID = find("/usr/bin/setsid", "/bin/setsid");

    private Detached() {}

    public static List<String> command(List<String> command) {
        if (SETSID == null) {
            return command;
        }
        List<String> detached = new ArrayList<>(command.size() + 1);
        detached.add(SETSID);
        detached.addAll(command);
        return detached;
    }

    private static String find(String... candidates) {
        for (String c : candidates) {
            if (Files.isExecutable(Path.of(c))) {
                return c;
            }
        }
        return null;
    }
}

package dev.slb.bench;

import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.util.concurrent.TimeoutException;

/**
 * The WebSocket load client of the benchmark harness: runs one scenario (echo, connect or idle)
 * against a ws:// or wss:// URL on one event loop thread and prints its result as one JSON line.
 *
 * <p>Exit status: 0 when a result was printed (its {@code errors} field says how it went), 2 when
 * the command line or the machine's limits rule the run out, 1 when the run itself broke down.
 */
public final class LoadClient {
    private LoadClient() {}

    public static void main(String[] args) {
        LoadSpec spec;
        try {
            spec = LoadSpec.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("LoadClient: " + e.getMessage());
            System.err.println(LoadSpec.USAGE);
            System.exit(2);
            return;
        }
        System.err.println("load client: " + spec.scenario().jsonName() + " against "
                + spec.target().address() + "; " + Io.describe());
        try {
            LoadRun.execute(spec, result -> {
                System.out.println(result.toJson());
                System.out.flush();
            });
        } catch (IllegalArgumentException e) {
            System.err.println("LoadClient: " + e.getMessage());
            System.exit(2);
        } catch (NoSuchFileException e) {
            System.err.println("LoadClient: no such process: " + e.getFile()
                    + " does not exist (check --cpu-pids and --mem-pids)");
            System.exit(2);
        } catch (IOException | RuntimeException | TimeoutException e) {
            System.err.println("LoadClient: " + e);
            System.exit(1);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            System.exit(1);
        }
        System.exit(0);
    }
}

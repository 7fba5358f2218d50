package dev.slb.proxy.config;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link ConfigSource} that reads a UTF-8 file and follows it: in-place writes, atomic renames
 * over it, and Kubernetes ConfigMap volumes (where the file is a symlink through {@code ..data},
 * itself a symlink swapped to a new directory on each update).
 *
 * <p>A {@link WatchService} on the file's directory prompts a content check within moments of a
 * change; a periodic content check is the safety net for what it misses (a symlink target in
 * another directory, file systems without change notification, platforms whose WatchService
 * polls). Both run on one daemon thread of the source's own, and content is compared by digest,
 * so a touch or a rewrite with the same bytes delivers nothing.
 */
public final class FileConfigSource implements ConfigSource {
    private static final Logger log = LoggerFactory.getLogger(FileConfigSource.class);

    /** How often the content is checked when no change is reported. */
    public static final Duration DEFAULT_CHECK_PERIOD = Duration.ofSeconds(1);
    /**
     * A changed file must read the same twice this far apart before it is delivered, and a reported
     * change waits for the directory to be quiet this long: a writer that truncates and then writes
     * is seen once, finished, rather than empty.
     */
    static final Duration SETTLE = Duration.ofMillis(100);
    /** A file or directory that never goes quiet is still taken as it is this often. */
    static final Duration MAX_SETTLE = Duration.ofSeconds(1);

    private final Path file;
    private final Duration checkPeriod;
    private final boolean useWatchService;
    private final Object lock = new Object();

    // Digest of the last text read or delivered: what a change is measured against.
    private volatile byte[] lastDigest;
    private volatile WatchService watchService;
    private volatile boolean closed;
    private Thread thread;
    private boolean watchProblemLogged;

    // Watcher-thread state: a problem is logged when it starts and when it ends, not at every check.
    private String problem;
    private byte[] lastUndecodable;

    public FileConfigSource(Path file) {
        this(file, DEFAULT_CHECK_PERIOD);
    }

    public FileConfigSource(Path file, Duration checkPeriod) {
        this(file, checkPeriod, true);
    }

    /** {@code useWatchService} off leaves only the periodic check, so tests can prove it alone suffices. */
    FileConfigSource(Path file, Duration checkPeriod, boolean useWatchService) {
        this.file = Objects.requireNonNull(file, "file");
        this.checkPeriod = Objects.requireNonNull(checkPeriod, "checkPeriod");
        if (checkPeriod.isNegative() || checkPeriod.isZero()) {
            throw new IllegalArgumentException("checkPeriod must be more than zero, not " + checkPeriod);
        }
        this.useWatchService = useWatchService;
    }

    public Path file() {
        return file;
    }

    /** The file's text now; fails naming the path when it is missing or not UTF-8. */
    @Override
    public String read() throws IOException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new NoSuchFileException(
                    file.toString(), null, "the config file does not exist (or a symlink on its path leads nowhere)");
        }
        String text;
        try {
            text = decode(bytes);
        } catch (CharacterCodingException e) {
            throw new IOException("config file " + file + " is not valid UTF-8", e);
        }
        lastDigest = digest(bytes);
        return text;
    }

    /**
     * Starts following the file. The first check runs at once: when nothing was read yet, or the
     * file changed since {@link #read()}, that text is delivered straight away.
     */
    @Override
    public void watch(Consumer<String> onChange) {
        Objects.requireNonNull(onChange, "onChange");
        synchronized (lock) {
            if (closed) {
                throw new IllegalStateException(describe() + " is closed");
            }
            if (thread != null) {
                throw new IllegalStateException(describe() + " is already watched");
            }
            // Registered before the first check, so no change can fall between the two.
            if (useWatchService) {
                watchService = openWatchService();
            }
            thread = new Thread(() -> run(onChange), "slb-config-watch");
            thread.setDaemon(true);
            thread.start();
        }
    }

    @Override
    public String describe() {
        return "file " + file;
    }

    @Override
    public void close() {
        Thread t;
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            t = thread;
            // Wakes the watcher wherever it waits, without interrupting a reload in progress.
            closeWatchService();
            lock.notifyAll();
        }
        if (t != null && t != Thread.currentThread()) {
            try {
                // Bounded: a callback stuck in a reload must not hold up shutdown.
                t.join(Duration.ofSeconds(2).toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    // ---- the watcher thread -----------------------------------------------------------------

    private void run(Consumer<String> onChange) {
        try {
            while (!closed) {
                check(onChange);
                WatchService ws = watchService;
                if (ws == null) {
                    pause(checkPeriod);
                    if (useWatchService) {
                        reopenWatchService();
                    }
                    continue;
                }
                try {
                    WatchKey key = ws.poll(checkPeriod.toNanos(), TimeUnit.NANOSECONDS);
                    if (key != null) {
                        settle(ws, key);
                    }
                } catch (ClosedWatchServiceException e) {
                    // Closed by close(), or given up in settle(): the loop decides which.
                }
            }
        } catch (InterruptedException e) {
            if (!closed) {
                log.warn("{}: the watcher was interrupted; changes are no longer followed", describe());
            }
        } catch (RuntimeException | Error e) {
            log.error("{}: the watcher failed; changes are no longer followed", describe(), e);
        }
    }

    /** Waits, unless the source is closed meanwhile. */
    private void pause(Duration d) throws InterruptedException {
        synchronized (lock) {
            if (!closed) {
                TimeUnit.NANOSECONDS.timedWait(lock, d.toNanos());
            }
        }
    }

    /** Consumes the reported key and any that follow until the directory is quiet. */
    private void settle(WatchService ws, WatchKey first) throws InterruptedException {
        long deadline = System.nanoTime() + MAX_SETTLE.toNanos();
        WatchKey key = first;
        while (key != null) {
            key.pollEvents();
            if (!key.reset()) {
                // The directory itself went away; the periodic check carries on until it is back.
                log.warn("{}: its directory can no longer be watched; checking every {}", describe(), checkPeriod);
                closeWatchService();
                return;
            }
            if (System.nanoTime() - deadline >= 0) {
                return;
            }
            key = ws.poll(SETTLE.toNanos(), TimeUnit.NANOSECONDS);
        }
    }

    private void check(Consumer<String> onChange) throws InterruptedException {
        Content content;
        try {
            content = readSettled();
        } catch (NoSuchFileException e) {
            problem("is missing; still serving the last config and waiting for it to come back");
            return;
        } catch (IOException e) {
            problem("cannot be read (" + e + "); still serving the last config");
            return;
        }
        if (problem != null) {
            log.info("{} can be read again", describe());
            problem = null;
        }
        if (content == null) {
            return;
        }
        String text;
        try {
            text = decode(content.bytes());
        } catch (CharacterCodingException e) {
            if (!Arrays.equals(content.digest(), lastUndecodable)) {
                log.error("{} is not valid UTF-8; still serving the last config", describe());
                lastUndecodable = content.digest();
            }
            return;
        }
        if (closed) {
            return;
        }
        lastDigest = content.digest();
        try {
            onChange.accept(text);
        } catch (RuntimeException e) {
            // Counted as delivered all the same: offering the same text again would fail the same way.
            log.error("{}: the config change could not be handled", describe(), e);
        }
    }

    private record Content(byte[] bytes, byte[] digest) {
        static Content of(byte[] bytes) {
            return new Content(bytes, FileConfigSource.digest(bytes));
        }
    }

    /**
     * The file's content once it differs from the last delivered and has stayed the same for
     * {@link #SETTLE}; null when it equals the last delivered. An in-place write truncates before
     * it writes, so a check that lands between the two must not deliver an empty or partial file.
     */
    private Content readSettled() throws IOException, InterruptedException {
        Content content = Content.of(Files.readAllBytes(file));
        long deadline = System.nanoTime() + MAX_SETTLE.toNanos();
        while (!Arrays.equals(content.digest(), lastDigest)) {
            pause(SETTLE);
            if (closed) {
                return null;
            }
            Content again = Content.of(Files.readAllBytes(file));
            boolean stable = Arrays.equals(content.digest(), again.digest());
            content = again;
            if (stable || (System.nanoTime() - deadline >= 0 && !Arrays.equals(content.digest(), lastDigest))) {
                return content;
            }
        }
        return null;
    }

    private void problem(String what) {
        if (!what.equals(problem)) {
            log.warn("{} {}", describe(), what);
            problem = what;
        }
    }

    /** Called under {@link #lock}. */
    private WatchService openWatchService() {
        Path dir = file.toAbsolutePath().getParent();
        WatchService ws = null;
        try {
            ws = FileSystems.getDefault().newWatchService();
            dir.register(
                    ws,
                    StandardWatchEventKinds.ENTRY_CREATE,
                    StandardWatchEventKinds.ENTRY_MODIFY,
                    StandardWatchEventKinds.ENTRY_DELETE);
            if (watchProblemLogged) {
                log.info("{}: watching {} again", describe(), dir);
                watchProblemLogged = false;
            }
            return ws;
        } catch (IOException | UnsupportedOperationException e) {
            if (ws != null) {
                try {
                    ws.close();
                } catch (IOException ignored) {
                    // Nothing was registered; there is nothing to release.
                }
            }
            // Retried every check period, so said once rather than every second.
            if (!watchProblemLogged) {
                log.warn("{}: cannot watch {} ({}); checking every {} instead", describe(), dir, e, checkPeriod);
                watchProblemLogged = true;
            }
            return null;
        }
    }

    private void reopenWatchService() {
        if (!Files.isDirectory(file.toAbsolutePath().getParent())) {
            return;
        }
        synchronized (lock) {
            if (!closed) {
                watchService = openWatchService();
            }
        }
    }

    private void closeWatchService() {
        WatchService ws = watchService;
        watchService = null;
        if (ws != null) {
            try {
                ws.close();
            } catch (IOException e) {
                log.debug("{}: closing the watch service: {}", describe(), e.toString());
            }
        }
    }

    private static String decode(byte[] bytes) throws CharacterCodingException {
        return StandardCharsets.UTF_8
                .newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT)
                .decode(ByteBuffer.wrap(bytes))
                .toString();
    }

    private static byte[] digest(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }
}

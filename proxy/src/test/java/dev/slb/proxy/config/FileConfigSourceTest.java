package dev.slb.proxy.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class FileConfigSourceTest {
    /** How long a delivery may take; both mechanisms answer far sooner. */
    private static final Duration DELIVERY = Duration.ofSeconds(5);
    /** How long to wait before concluding nothing is coming: several poll periods. */
    private static final Duration QUIET = Duration.ofMillis(1_500);

    /** Each scenario is run with each mechanism alone, so either one is proved to suffice. */
    enum Mode {
        WATCH_SERVICE(Duration.ofHours(1), true),
        PERIODIC_CHECK(Duration.ofMillis(200), false),
        BOTH(FileConfigSource.DEFAULT_CHECK_PERIOD, true);

        final Duration period;
        final boolean watchService;

        Mode(Duration period, boolean watchService) {
            this.period = period;
            this.watchService = watchService;
        }
    }

    @TempDir
    Path dir;

    private final BlockingQueue<String> delivered = new LinkedBlockingQueue<>();
    private final List<FileConfigSource> sources = new ArrayList<>();

    @AfterEach
    void closeSources() {
        sources.forEach(FileConfigSource::close);
    }

    private FileConfigSource source(Path file, Mode mode) {
        FileConfigSource source = new FileConfigSource(file, mode.period, mode.watchService);
        sources.add(source);
        return source;
    }

    /** Reads, then watches, as the proxy does. */
    private FileConfigSource following(Path file, Mode mode, String expectedFirst) throws Exception {
        FileConfigSource source = source(file, mode);
        assertThat(source.read()).isEqualTo(expectedFirst);
        source.watch(delivered::add);
        return source;
    }

    private String next() throws InterruptedException {
        String text = delivered.poll(DELIVERY.toMillis(), TimeUnit.MILLISECONDS);
        assertThat(text).as("a delivery within " + DELIVERY).isNotNull();
        return text;
    }

    private void assertNothingDelivered() throws InterruptedException {
        assertThat(delivered.poll(QUIET.toMillis(), TimeUnit.MILLISECONDS)).isNull();
    }

    private static void write(Path file, String text) throws IOException {
        Files.writeString(file, text, StandardCharsets.UTF_8);
    }

    /** How editors and {@code kubectl cp} replace a file: write beside it, rename over it. */
    private static void writeAtomically(Path file, String text) throws IOException {
        Path tmp = file.resolveSibling("." + file.getFileName() + ".tmp");
        write(tmp, text);
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    // ---- read ---------------------------------------------------------------------------------

    @Test
    void readsTheFileAsUtf8() throws Exception {
        Path file = dir.resolve("config.yaml");
        write(file, "version: \"café\"\n");
        assertThat(source(file, Mode.BOTH).read()).isEqualTo("version: \"café\"\n");
    }

    @Test
    void aMissingFileFailsNamingThePath() {
        Path file = dir.resolve("absent.yaml");
        assertThatThrownBy(() -> source(file, Mode.BOTH).read())
                .isInstanceOf(NoSuchFileException.class)
                .hasMessageContaining(file.toString());
    }

    @Test
    void aFileThatIsNotUtf8FailsNamingThePath() throws Exception {
        Path file = dir.resolve("latin1.yaml");
        Files.write(file, new byte[] {'v', ':', ' ', (byte) 0xE9, '\n'});
        assertThatThrownBy(() -> source(file, Mode.BOTH).read())
                .isInstanceOf(IOException.class)
                .hasMessageContaining(file.toString())
                .hasMessageContaining("UTF-8");
    }

    @Test
    void describesItselfByPath() {
        Path file = dir.resolve("config.yaml");
        assertThat(source(file, Mode.BOTH).describe()).isEqualTo("file " + file);
    }

    // ---- watch --------------------------------------------------------------------------------

    @ParameterizedTest
    @EnumSource(Mode.class)
    void inPlaceWritesAreDelivered(Mode mode) throws Exception {
        Path file = dir.resolve("config.yaml");
        write(file, "version: 1\n");
        following(file, mode, "version: 1\n");

        write(file, "version: 2\n");
        assertThat(next()).isEqualTo("version: 2\n");
        write(file, "version: 3\n");
        assertThat(next()).isEqualTo("version: 3\n");
        assertNothingDelivered();
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void anAtomicRenameOverTheFileIsDelivered(Mode mode) throws Exception {
        Path file = dir.resolve("config.yaml");
        write(file, "version: 1\n");
        following(file, mode, "version: 1\n");

        writeAtomically(file, "version: 2\n");
        assertThat(next()).isEqualTo("version: 2\n");
        writeAtomically(file, "version: 3\n");
        assertThat(next()).isEqualTo("version: 3\n");
        assertNothingDelivered();
    }

    /**
     * The kubelet's layout: {@code config.yaml -> ..data/config.yaml}, {@code ..data -> ..<stamp>};
     * an update writes a new stamped directory, points {@code ..data_tmp} at it, renames that over
     * {@code ..data} and deletes the old directory. The file the proxy was given never changes.
     */
    @ParameterizedTest
    @EnumSource(Mode.class)
    void aConfigMapUpdateIsDelivered(Mode mode) throws Exception {
        Path mount = Files.createDirectory(dir.resolve("slb"));
        Path first = configMapVersion(mount, "..2026_11_24_20_00_00.000000001", "version: 1\n");
        Files.createSymbolicLink(mount.resolve("..data"), first.getFileName());
        Files.createSymbolicLink(mount.resolve("config.yaml"), Path.of("..data", "config.yaml"));
        Path file = mount.resolve("config.yaml");
        following(file, mode, "version: 1\n");

        Path second = configMapVersion(mount, "..2026_11_24_20_01_00.000000002", "version: 2\n");
        swapData(mount, second);
        deleteVersion(first);
        assertThat(next()).isEqualTo("version: 2\n");

        Path third = configMapVersion(mount, "..2026_11_24_20_02_00.000000003", "version: 3\n");
        swapData(mount, third);
        deleteVersion(second);
        assertThat(next()).isEqualTo("version: 3\n");
        assertNothingDelivered();
    }

    private static Path configMapVersion(Path mount, String stamp, String text) throws IOException {
        Path version = Files.createDirectory(mount.resolve(stamp));
        write(version.resolve("config.yaml"), text);
        return version;
    }

    private static void swapData(Path mount, Path version) throws IOException {
        Path tmp = Files.createSymbolicLink(mount.resolve("..data_tmp"), version.getFileName());
        Files.move(tmp, mount.resolve("..data"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    private static void deleteVersion(Path version) throws IOException {
        Files.delete(version.resolve("config.yaml"));
        Files.delete(version);
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void theSameContentRewrittenIsNotDelivered(Mode mode) throws Exception {
        Path file = dir.resolve("config.yaml");
        write(file, "version: 1\n");
        following(file, mode, "version: 1\n");

        write(file, "version: 1\n");
        writeAtomically(file, "version: 1\n");
        Files.setLastModifiedTime(file, java.nio.file.attribute.FileTime.fromMillis(0));
        assertNothingDelivered();

        write(file, "version: 2\n");
        assertThat(next()).isEqualTo("version: 2\n");
        writeAtomically(file, "version: 2\n");
        assertNothingDelivered();
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void aDeletedFileIsWaitedForAndItsNewContentDelivered(Mode mode) throws Exception {
        Path file = dir.resolve("config.yaml");
        write(file, "version: 1\n");
        following(file, mode, "version: 1\n");

        Files.delete(file);
        assertNothingDelivered();
        write(file, "version: 2\n");
        assertThat(next()).isEqualTo("version: 2\n");
    }

    @Test
    void aFileRecreatedWithTheSameContentIsNotDeliveredAgain() throws Exception {
        Path file = dir.resolve("config.yaml");
        write(file, "version: 1\n");
        following(file, Mode.BOTH, "version: 1\n");

        Files.delete(file);
        Thread.sleep(300);
        write(file, "version: 1\n");
        assertNothingDelivered();
    }

    @Test
    void withoutAReadTheCurrentContentIsDeliveredFirst() throws Exception {
        Path file = dir.resolve("config.yaml");
        write(file, "version: 1\n");
        source(file, Mode.BOTH).watch(delivered::add);
        assertThat(next()).isEqualTo("version: 1\n");
        assertNothingDelivered();
    }

    @Test
    void aChangeBetweenReadAndWatchIsNotLost() throws Exception {
        Path file = dir.resolve("config.yaml");
        write(file, "version: 1\n");
        FileConfigSource source = source(file, Mode.WATCH_SERVICE);
        assertThat(source.read()).isEqualTo("version: 1\n");
        write(file, "version: 2\n");
        source.watch(delivered::add);
        assertThat(next()).isEqualTo("version: 2\n");
    }

    @Test
    void deliveriesAreNeverConcurrentAndComeFromOneThread() throws Exception {
        Path file = dir.resolve("config.yaml");
        write(file, "version: 0\n");
        FileConfigSource source = source(file, Mode.BOTH);
        source.read();
        AtomicInteger inside = new AtomicInteger();
        List<String> threads = new java.util.concurrent.CopyOnWriteArrayList<>();
        source.watch(text -> {
            if (inside.incrementAndGet() != 1) {
                delivered.add("concurrent!");
            }
            threads.add(Thread.currentThread().getName());
            try {
                Thread.sleep(50); // a slow reload: changes keep arriving meanwhile
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            inside.decrementAndGet();
            delivered.add(text);
        });
        for (int i = 1; i <= 20; i++) {
            writeAtomically(file, "version: " + i + "\n");
            Thread.sleep(10);
        }
        String last = null;
        while (!"version: 20\n".equals(last)) {
            last = next();
            assertThat(last).isNotEqualTo("concurrent!");
        }
        assertThat(threads).containsOnly("slb-config-watch");
        assertNothingDelivered();
    }

    @Test
    void aFailingCallbackDoesNotStopTheWatch() throws Exception {
        Path file = dir.resolve("config.yaml");
        write(file, "version: 1\n");
        FileConfigSource source = source(file, Mode.BOTH);
        source.read();
        source.watch(text -> {
            delivered.add(text);
            if (text.contains("2")) {
                throw new IllegalStateException("reload failed");
            }
        });
        write(file, "version: 2\n");
        assertThat(next()).isEqualTo("version: 2\n");
        write(file, "version: 3\n");
        assertThat(next()).isEqualTo("version: 3\n");
    }

    @Test
    void nothingIsDeliveredAfterClose() throws Exception {
        Path file = dir.resolve("config.yaml");
        write(file, "version: 1\n");
        FileConfigSource source = following(file, Mode.BOTH, "version: 1\n");
        source.close();
        write(file, "version: 2\n");
        assertNothingDelivered();
        source.close();
        assertThatThrownBy(() -> source.watch(delivered::add)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void watchingTwiceIsRefused() throws Exception {
        Path file = dir.resolve("config.yaml");
        write(file, "version: 1\n");
        FileConfigSource source = following(file, Mode.BOTH, "version: 1\n");
        assertThatThrownBy(() -> source.watch(delivered::add)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void aMissingDirectoryIsWaitedForToo() throws Exception {
        Path mount = dir.resolve("later");
        Path file = mount.resolve("config.yaml");
        source(file, Mode.BOTH).watch(delivered::add);
        Thread.sleep(300);
        Files.createDirectory(mount);
        write(file, "version: 1\n");
        assertThat(next()).isEqualTo("version: 1\n");
        write(file, "version: 2\n");
        assertThat(next()).isEqualTo("version: 2\n");
    }
}

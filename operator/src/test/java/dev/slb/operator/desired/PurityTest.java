package dev.slb.operator.desired;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** desired/ is pure (STYLE.md): no JOSDK, no Netty, no environment, clock or randomness. */
class PurityTest {
    private static final Path SOURCES = Path.of("src/main/java/dev/slb/operator/desired");
    private static final List<String> FORBIDDEN = List.of(
            "io.javaoperatorsdk",
            "io.netty",
            "System.getenv",
            "System.getProperty",
            "System.currentTimeMillis",
            "System.nanoTime",
            "Instant.now",
            "Clock",
            "Random",
            "UUID.randomUUID",
            "KubernetesClient");

    @Test
    void desiredReadsNothingButItsArguments() throws IOException {
        List<Path> sources;
        try (Stream<Path> files = Files.list(SOURCES)) {
            sources = files.filter(p -> p.toString().endsWith(".java")).toList();
        }
        assertThat(sources).isNotEmpty();
        for (Path source : sources) {
            String text = Files.readString(source);
            assertThat(FORBIDDEN).as(source.toString()).noneMatch(text::contains);
        }
    }
}

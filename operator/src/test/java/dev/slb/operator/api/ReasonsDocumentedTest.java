package dev.slb.operator.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Every reason a user can meet in a condition, a listener's status or an event is in the README, by name. */
class ReasonsDocumentedTest {
    @Test
    void theReadmeNamesEveryReason() throws IOException {
        String readme = Files.readString(Path.of("../README.md"));
        for (Reason reason : Reason.values()) {
            assertThat(readme).as("README.md names %s", reason).contains("`" + reason.name() + "`");
        }
        for (ConditionType type : ConditionType.values()) {
            assertThat(readme).as("README.md names the condition %s", type).contains("`" + type.name() + "`");
        }
    }
}

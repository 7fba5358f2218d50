package dev.slb.bench;

import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/** bench/'s packages are free of cycles, like every module's. */
class ArchitectureTest {
    private static final JavaClasses BENCH = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.slb.bench", "dev.slb.proxy.websocket");

    @Test
    void packagesAreFreeOfCycles() {
        slices().matching("dev.slb.(**)").should().beFreeOfCycles().check(BENCH);
    }
}

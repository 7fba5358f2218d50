package dev.slb.local;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * local/'s layering: {@code dev.slb.local} itself is the wiring ({@link LocalCluster}); the API server and the
 * kubelet below it never reach up to it, nor into each other's packages in a cycle.
 */
class ArchitectureTest {
    private static final JavaClasses LOCAL = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.slb.local");

    @Test
    void nothingReachesUpToTheWiring() {
        noClasses()
                .that()
                .resideOutsideOfPackage("dev.slb.local")
                .should()
                .dependOnClassesThat()
                .resideInAPackage("dev.slb.local")
                .check(LOCAL);
    }

    @Test
    void theApiServerKnowsNoKubelet() {
        noClasses()
                .that()
                .resideInAPackage("dev.slb.local.apiserver..")
                .should()
                .dependOnClassesThat()
                .resideInAPackage("dev.slb.local.pods..")
                .because("the API server stands alone (local/bin/apiserver); the kubelet is one of its clients")
                .check(LOCAL);
    }

    @Test
    void packagesAreFreeOfCycles() {
        slices().matching("dev.slb.(**)").should().beFreeOfCycles().check(LOCAL);
    }
}

package dev.slb.operator;

import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import dev.slb.model.Purity;
import org.junit.jupiter.api.Test;

/**
 * The operator's layering: {@code api} (the resource) below {@code desired} (pure functions from it to what should
 * exist) below {@code reconciler} (observe, call, patch) below {@code app} (the wiring); {@code cli}, the kubectl plugin, beside it. No layer reaches up.
 */
class ArchitectureTest {
    private static final JavaClasses OPERATOR = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.slb.operator");

    @Test
    void layersOnlyReachDown() {
        layeredArchitecture()
                .consideringOnlyDependenciesInAnyPackage("dev.slb.operator..")
                .layer("api")
                .definedBy("dev.slb.operator.api..")
                .layer("desired")
                .definedBy("dev.slb.operator.desired..")
                .layer("reconciler")
                .definedBy("dev.slb.operator.reconciler..")
                .layer("app")
                .definedBy("dev.slb.operator.app..")
                .layer("cli")
                .definedBy("dev.slb.operator.cli..")
                .whereLayer("app")
                .mayNotBeAccessedByAnyLayer()
                .whereLayer("cli")
                .mayNotBeAccessedByAnyLayer()
                .whereLayer("reconciler")
                .mayOnlyBeAccessedByLayers("app")
                .whereLayer("desired")
                .mayOnlyBeAccessedByLayers("reconciler", "app", "cli")
                .check(OPERATOR);
    }

    @Test
    void packagesAreFreeOfCycles() {
        slices().matching("dev.slb.operator.(*)..").should().beFreeOfCycles().check(OPERATOR);
    }

    @Test
    void desiredIsPure() {
        Purity.rule(
                        "dev.slb.operator.desired..",
                        "io.javaoperatorsdk..",
                        "io.netty..",
                        "io.fabric8.kubernetes.client..")
                .check(OPERATOR);
    }
}

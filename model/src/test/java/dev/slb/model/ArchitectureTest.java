package dev.slb.model;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/** model/ is the contract between operator and proxy: plain records and their codec, tied to neither side. */
class ArchitectureTest {
    private static final JavaClasses MODEL = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.slb.model");

    @Test
    void modelDependsOnNoFrameworkAndNoSide() {
        noClasses()
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(
                        "io.netty..",
                        "io.fabric8..",
                        "io.javaoperatorsdk..",
                        "dev.slb.proxy..",
                        "dev.slb.operator..",
                        "dev.slb.local..")
                .because("the proxy and the operator both build on model/, and it must not pull either in")
                .check(MODEL);
    }
}

package dev.slb.local;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
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
                .resideInAnyPackage(
                        "dev.slb.local.pods..",
                        "dev.slb.local.controllers..",
                        "dev.slb.local.services..",
                        "dev.slb.local.kube..")
                .because("the API server stands alone (local/bin/apiserver); the kubelet is one of its clients")
                .check(LOCAL);
    }

    @Test
    void theControllersAreClientsOfTheApiOnly() {
        noClasses()
                .that()
                .resideInAnyPackage(
                        "dev.slb.local.pods..",
                        "dev.slb.local.controllers..",
                        "dev.slb.local.services..",
                        "dev.slb.local.kube..")
                .should()
                .dependOnClassesThat()
                .resideInAPackage("dev.slb.local.apiserver..")
                .because("they see the cluster as a cluster's controllers do, through the API's watches and writes")
                .check(LOCAL);
    }

    /**
     * The API server's subsystems, each a package: the HTTP front over the API's semantics, which uses
     * the store, schema, patch and OpenAPI; everything reads the kinds registry, which names each kind's
     * printer; Go's value formats are shared by schema and printing. Nothing reaches up.
     */
    @Test
    void theApiServersSubsystemsOnlyReachDown() {
        String root = "dev.slb.local.apiserver";
        layeredArchitecture()
                .consideringOnlyDependenciesInAnyPackage(root + "..")
                .layer("wiring")
                .definedBy(root)
                .layer("http")
                .definedBy(root + ".http..")
                .layer("rest")
                .definedBy(root + ".rest..")
                .layer("store")
                .definedBy(root + ".store..")
                .layer("schema")
                .definedBy(root + ".schema..")
                .layer("patch")
                .definedBy(root + ".patch..")
                .layer("openapi")
                .definedBy(root + ".openapi..")
                .layer("kinds")
                .definedBy(root + ".kinds..")
                .layer("printing")
                .definedBy(root + ".printing..")
                .layer("json")
                .definedBy(root + ".json..")
                .whereLayer("wiring")
                .mayNotBeAccessedByAnyLayer()
                .whereLayer("http")
                .mayOnlyBeAccessedByLayers("wiring")
                .whereLayer("rest")
                .mayOnlyBeAccessedByLayers("http", "wiring")
                .whereLayer("store")
                .mayOnlyBeAccessedByLayers("rest", "wiring")
                .whereLayer("schema")
                .mayOnlyBeAccessedByLayers("rest")
                .whereLayer("patch")
                .mayOnlyBeAccessedByLayers("rest")
                .whereLayer("openapi")
                .mayOnlyBeAccessedByLayers("rest", "wiring")
                .whereLayer("kinds")
                .mayOnlyBeAccessedByLayers("store", "patch", "openapi", "rest", "wiring")
                .whereLayer("printing")
                .mayOnlyBeAccessedByLayers("kinds", "rest")
                .whereLayer("json")
                .mayOnlyBeAccessedByLayers("schema", "printing")
                .check(LOCAL);
    }

    @Test
    void packagesAreFreeOfCycles() {
        slices().matching("dev.slb.(**)").should().beFreeOfCycles().check(LOCAL);
    }
}

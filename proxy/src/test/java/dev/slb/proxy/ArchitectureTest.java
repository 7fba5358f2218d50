package dev.slb.proxy;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import dev.slb.model.Purity;
import org.junit.jupiter.api.Test;

/**
 * The proxy's layering: {@code dev.slb.proxy} itself is the wiring ({@link ProxyMain}, {@link ProxyServer}) and
 * nothing reaches up to it; {@code core} is the kernel the listeners share; {@code routing} is pure; no two
 * packages depend on each other; the HTTP path's decisions are plain functions.
 */
class ArchitectureTest {
    private static final JavaClasses PROXY = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.slb.proxy");

    @Test
    void nothingReachesUpToTheWiring() {
        noClasses()
                .that()
                .resideOutsideOfPackage("dev.slb.proxy")
                .should()
                .dependOnClassesThat()
                .resideInAPackage("dev.slb.proxy")
                .because("handlers get what they need passed in; only the wiring knows every part")
                .check(PROXY);
    }

    @Test
    void packagesAreFreeOfCycles() {
        slices().matching("dev.slb.proxy.(*)..").should().beFreeOfCycles().check(PROXY);
    }

    @Test
    void theKernelKnowsNoListenerKindAndNoAdmin() {
        noClasses()
                .that()
                .resideInAPackage("dev.slb.proxy.core..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(
                        "dev.slb.proxy.http..",
                        "dev.slb.proxy.tcp..",
                        "dev.slb.proxy.udp..",
                        "dev.slb.proxy.websocket..",
                        "dev.slb.proxy.admin..",
                        "dev.slb.proxy.config..",
                        "dev.slb.proxy.demo..")
                .check(PROXY);
    }

    @Test
    void routingIsPure() {
        Purity.rule("dev.slb.proxy.routing..", "io.netty..", "io.fabric8..").check(PROXY);
    }

    @Test
    void theHttpDecisionsArePlainFunctions() {
        String decisions = "dev\\.slb\\.proxy\\.http\\.(ResponseFraming|Refusal)(\\$.*)?";
        noClasses()
                .that()
                .haveNameMatching(decisions)
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage("io.netty..", "io.fabric8..", "org.slf4j..")
                .because(
                        "response framing and refusals are decided from plain values, so they are tested without Netty")
                .check(PROXY);
        noClasses()
                .that()
                .haveNameMatching(decisions)
                .should()
                .callMethod(System.class, "nanoTime")
                .orShould()
                .callMethod(System.class, "currentTimeMillis")
                .check(PROXY);
    }

    @Test
    void theDemoBackendIsNotPartOfTheProxy() {
        noClasses()
                .that()
                .resideOutsideOfPackage("dev.slb.proxy.demo..")
                .should()
                .dependOnClassesThat()
                .resideInAPackage("dev.slb.proxy.demo..")
                .check(PROXY);
    }
}

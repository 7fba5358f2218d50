package dev.slb.model;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaAccess;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.CompositeArchRule;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZonedDateTime;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The rule for a pure package (the operator's {@code desired/}, the proxy's {@code routing/}): plain values in,
 * plain values out. It reads no environment, clock or randomness, and uses none of the frameworks named.
 */
public final class Purity {
    private static final Set<String> IMPURE_SYSTEM_METHODS =
            Set.of("getenv", "getProperty", "getProperties", "currentTimeMillis", "nanoTime");
    private static final Set<Class<?>> IMPURE_TYPES =
            Set.of(Clock.class, Random.class, SecureRandom.class, ThreadLocalRandom.class, UUID.class);

    private Purity() {}

    /** Classes in {@code packagePattern} read no environment, clock or randomness and use none of {@code frameworks}. */
    public static ArchRule rule(String packagePattern, String... frameworks) {
        return CompositeArchRule.of(noClasses()
                        .that()
                        .resideInAPackage(packagePattern)
                        .should()
                        .dependOnClassesThat()
                        .resideInAnyPackage(frameworks))
                .and(noClasses()
                        .that()
                        .resideInAPackage(packagePattern)
                        .should()
                        .accessTargetWhere(IMPURE_ACCESS))
                .because("a pure package is plain values in, plain values out: its tests need no mock and no clock");
    }

    private static final DescribedPredicate<JavaAccess<?>> IMPURE_ACCESS =
            DescribedPredicate.describe("the environment, a clock or randomness", access -> {
                JavaClass owner = access.getTargetOwner();
                String name = access.getName();
                if (owner.isEquivalentTo(System.class)) {
                    return IMPURE_SYSTEM_METHODS.contains(name);
                }
                if (IMPURE_TYPES.stream().anyMatch(owner::isEquivalentTo)) {
                    // UUID as a value is fine; only its random factory is not.
                    return !owner.isEquivalentTo(UUID.class) || name.equals("randomUUID");
                }
                return name.equals("now")
                        && (owner.isEquivalentTo(Instant.class)
                                || owner.isEquivalentTo(LocalDateTime.class)
                                || owner.isEquivalentTo(ZonedDateTime.class));
            });
}

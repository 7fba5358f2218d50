package dev.slb.images;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The base image deploy/images/build makes from Debian's packages holds a Java 17 runtime that
 * trusts the public certificate authorities, and bash for the proxy's launcher, and no package
 * manager front end or network tools; the images stay near the size the README gives.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class BaseImageTest {
    /** 279 MB when measured (2026-12-07), 177 MB of it Debian's JRE; Debian's updates may add a little. */
    private static final long BASE_AT_MOST = 320_000_000L;
    /** What each image adds to the base: its jar, 26 to 28 MB today. */
    private static final long LAYER_AT_MOST = 40_000_000L;

    private static TestingImages.Built images;

    @BeforeAll
    @Timeout(value = 20, unit = TimeUnit.MINUTES)
    static void build() throws Exception {
        images = TestingImages.require();
    }

    @Test
    void holdsAJava17RuntimeTrustingPublicCasAndBashAndNoPackageManagerFrontEnd() throws Exception {
        String out = TestingPodman.script(
                images.base().id(),
                "10001",
                "java -version 2>&1 | head -1; "
                        + "keytool -list -cacerts -storepass changeit | grep -c trustedCertEntry; "
                        + "java -XshowSettings:properties -version 2>&1 | grep -o 'file.encoding = .*'; "
                        + "for t in apt apt-get curl wget python3; do command -v $t || echo no $t; done");
        assertThat(out.lines().toList())
                .anyMatch(l -> l.matches("openjdk version \"17\\..*"))
                .contains("file.encoding = UTF-8")
                .contains("no apt", "no apt-get", "no curl", "no wget", "no python3");
        long trusted = Long.parseLong(out.lines().toList().get(1).strip());
        assertThat(trusted).as("certificate authorities the JVM trusts").isGreaterThan(100);
        assertThat(images.baseJava()).as("the JRE version, recorded as a label").startsWith("17.");
    }

    @Test
    void theImagesStaySmall() {
        assertThat(images.base().size()).as("base image bytes").isLessThan(BASE_AT_MOST);
        assertThat(images.proxy().size() - images.base().size())
                .as("bytes the proxy image adds to the base")
                .isLessThan(LAYER_AT_MOST);
        assertThat(images.operator().size() - images.base().size())
                .as("bytes the operator image adds to the base")
                .isLessThan(LAYER_AT_MOST);
    }
}

package dev.slb.model;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RulePathsTest {
    private static String strict(String path) {
        RulePaths.Reading r = RulePaths.read(path, 0, path.length(), false);
        return r.path() != null ? r.path() : "REFUSED";
    }

    private static String liberal(String path) {
        RulePaths.Reading r = RulePaths.read(path, 0, path.length(), true);
        return r.path() != null ? r.path() : "REFUSED";
    }

    @ParameterizedTest(name = "{0} reads as {1}, liberally {2}")
    @CsvSource(
            delimiter = '|',
            value = {
                "/                    | ''                | ''",
                "/admin               | /admin            | /admin",
                "/admin/              | /admin            | /admin",
                "/x/../admin          | /admin            | /admin",
                "/x/%2e%2E/admin      | /admin            | /admin",
                "/./admin/.           | /admin            | /admin",
                "//admin              | /admin            | /admin",
                "///admin//users      | /admin/users      | /admin/users",
                "/%61dmin             | /admin            | /admin",
                "/%41DMIN             | /admin            | /admin",
                "/ADMIN               | /admin            | /admin",
                "/admin;x             | /admin            | /admin",
                "/admin;jsessionid=1/a| /admin/a          | /admin/a",
                "/public/..;/admin    | /admin            | /admin",
                "/;x/admin            | /admin            | /admin",
                "/a%3Bb               | /a\u0000bb         | /a",
                "/a%20b               | /a b              | /a b",
                "/caf%C3%A9           | /caf\u00c3\u00a9 | /caf\u00c3\u00a9",
                "/a%2Fb               | /a\u0000fb        | /a/b",
                "/a%5cb               | /a\u0000cb        | /a/b",
                "/a\\b                | /a\\b             | /a/b",
                "/%2561dmin           | /%61dmin          | /admin",
                "/%252e%252e/x        | /%2e%2e/x         | REFUSED",
                "/x/%252Fadmin        | /x/%2fadmin       | /x/admin",
                "/..                  | REFUSED           | REFUSED",
                "/a/../../admin       | REFUSED           | REFUSED",
                "/%2e%2e/admin        | REFUSED           | REFUSED",
                "/..;/admin           | REFUSED           | REFUSED",
                "/a%00                | REFUSED           | REFUSED",
                "/a%2500              | /a%00             | REFUSED",
                "/a%zz                | REFUSED           | REFUSED",
                "/a%2                 | REFUSED           | REFUSED",
                "/a%                  | REFUSED           | REFUSED",
                "/public#/../admin    | REFUSED           | REFUSED",
                "/a/%2e%2e%2fadmin    | /a/..\u0000fadmin | /admin",
            })
    void readsPathsAsTheBroadestBackendWould(String path, String read, String liberal) {
        assertThat(strict(path)).as("strictly").isEqualTo(read);
        assertThat(liberal(path)).as("liberally").isEqualTo(liberal);
    }

    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource(
            delimiter = '|',
            value = {
                "/admin      | false",
                "/a%20b      | false",
                "/a%2Fb      | true",
                "/a%2fb      | true",
                "/a%5Cb      | true",
                "/a\\b       | true",
                "/a%25b      | true",
                "/a%2        | false",
            })
    void onlyEscapedSlashesBackslashesAndEscapedPercentsAreReadTwice(String path, boolean ambiguous) {
        assertThat(RulePaths.ambiguous(path, 0, path.length())).isEqualTo(ambiguous);
    }

    @ParameterizedTest
    @CsvSource({"/Admin/, /admin", "/v1/./x, /v1/x", "/%41pi, /api", "/, ''", "/a;b, /a"})
    void aRulesPathIsReadAsARequestsIs(String rule, String read) {
        assertThat(RulePaths.ofRule(rule)).isEqualTo(read);
    }

    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource(
            delimiter = '|',
            quoteCharacter = '"',
            value = {
                "/api        |",
                "/v1;x       |",
                "/%41pi      |",
                "/%zz        | a '%' not followed by two hex digits in the path",
                "/a%2        | a '%' not followed by two hex digits in the path",
                "/../admin   | a '..' segment that climbs above the root of the path",
                "/a%00       | an encoded NUL (%00) in the path",
            })
    void aRulesPathThatDoesNotReadSaysWhy(String rule, String problem) {
        assertThat(RulePaths.problemOfRule(rule)).isEqualTo(problem);
    }
}

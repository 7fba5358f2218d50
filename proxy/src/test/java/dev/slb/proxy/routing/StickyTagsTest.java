package dev.slb.proxy.routing;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class StickyTagsTest {
    @Test
    void aTagIsStableForOneKeyAndDiffersByKeyAndBackend() {
        String tag = StickyTags.tag("uid-1", "10.0.0.7", 8080);
        assertThat(tag).matches("[0-9a-f]{16}").isEqualTo(StickyTags.tag("uid-1", "10.0.0.7", 8080));
        assertThat(StickyTags.tag("uid-2", "10.0.0.7", 8080)).isNotEqualTo(tag);
        assertThat(StickyTags.tag("uid-1", "10.0.0.7", 8081)).isNotEqualTo(tag);
        assertThat(StickyTags.tag("uid-1", "10.0.0.8", 8080)).isNotEqualTo(tag);
    }

    @Test
    void theTagIsTheFirst64BitsOfHmacSha256OfAddressAndPort() {
        // The value openssl gives, so the tag is the documented function and not just the JDK's:
        // printf '10.0.0.7:8080' | openssl dgst -sha256 -hmac uid-1 | cut -c1-16
        assertThat(StickyTags.tag("uid-1", "10.0.0.7", 8080)).isEqualTo(OPENSSL);
    }

    private static final String OPENSSL = "a84d081db78b276c";

    @Test
    void serverModeValuesCarryTheTagBeforeTheBackendsOwnValue() {
        String tag = StickyTags.tag("k", "a", 1);
        String v = StickyTags.prefixed(tag, "abc~def");
        assertThat(StickyTags.tagOf(v)).isEqualTo(tag);
        assertThat(StickyTags.unprefixed(v)).isEqualTo("abc~def");
        assertThat(StickyTags.tagOf("abc")).isNull();
        assertThat(StickyTags.unprefixed("abc")).isEqualTo("abc");
    }
}

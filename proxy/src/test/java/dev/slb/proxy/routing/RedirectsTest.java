package dev.slb.proxy.routing;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RedirectsTest {
    @Test
    void getAndHeadMovePermanentlyAndEveryOtherMethodKeepsItself() {
        assertThat(Redirects.status("GET")).isEqualTo(301);
        assertThat(Redirects.status("HEAD")).isEqualTo(301);
        assertThat(Redirects.status("POST")).isEqualTo(308);
        assertThat(Redirects.status("DELETE")).isEqualTo(308);
    }

    @Test
    void theLocationKeepsHostPathAndQueryAndNamesThePortUnless443() {
        assertThat(Redirects.location("shop.example.com:8080", "/a/b?x=1&y", 8443))
                .isEqualTo("https://shop.example.com:8443/a/b?x=1&y");
        assertThat(Redirects.location("shop.example.com", "/", 443)).isEqualTo("https://shop.example.com/");
        assertThat(Redirects.location("[fd00::1]:80", "/x", 443)).isEqualTo("https://[fd00::1]/x");
        assertThat(Redirects.location("10.0.0.1:80", "*", 443)).isEqualTo("https://10.0.0.1/");
    }

    @Test
    void anAbsoluteTargetsHostAndPathCount() {
        assertThat(Redirects.location("other", "http://shop.example.com:80/p?q", 443))
                .isEqualTo("https://shop.example.com/p?q");
        assertThat(Redirects.location("other", "http://shop.example.com?q", 443))
                .isEqualTo("https://shop.example.com/?q");
    }

    @Test
    void noHostNoLocation() {
        assertThat(Redirects.location(null, "/x", 443)).isNull();
    }
}

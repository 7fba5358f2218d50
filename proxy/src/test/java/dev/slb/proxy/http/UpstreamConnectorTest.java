package dev.slb.proxy.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.HttpMethod;
import org.junit.jupiter.api.Test;

/** When a request whose backend connection closed before answering goes again. */
class UpstreamConnectorTest {

    @Test
    void aWholeIdempotentRequestWithoutABodyGoesAgainOnceAfterItsConnectionClosed() {
        for (HttpMethod m : new HttpMethod[] {
            HttpMethod.GET, HttpMethod.HEAD, HttpMethod.OPTIONS, HttpMethod.PUT, HttpMethod.DELETE, HttpMethod.TRACE
        }) {
            assertThat(UpstreamConnector.mayRetry(m, false, false, true))
                    .as("%s", m)
                    .isTrue();
        }
    }

    @Test
    void anythingElseGetsItsAnswerFromTheFailure() {
        assertThat(UpstreamConnector.mayRetry(HttpMethod.POST, false, false, true))
                .as("not idempotent")
                .isFalse();
        assertThat(UpstreamConnector.mayRetry(HttpMethod.PATCH, false, false, true))
                .isFalse();
        assertThat(UpstreamConnector.mayRetry(HttpMethod.GET, true, false, true))
                .as("only once")
                .isFalse();
        assertThat(UpstreamConnector.mayRetry(HttpMethod.PUT, false, true, true))
                .as("a body was sent and is gone")
                .isFalse();
        assertThat(UpstreamConnector.mayRetry(HttpMethod.GET, false, false, false))
                .as("the request is not whole yet")
                .isFalse();
    }
}

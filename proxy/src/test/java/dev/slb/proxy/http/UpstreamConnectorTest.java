package dev.slb.proxy.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.HttpMethod;
import org.junit.jupiter.api.Test;

/** When a request whose reused backend connection closed before answering goes again. */
class UpstreamConnectorTest {

    @Test
    void aWholeIdempotentRequestWithoutABodyGoesAgainOnceAfterAReusedConnectionClosed() {
        for (HttpMethod m : new HttpMethod[] {
            HttpMethod.GET, HttpMethod.HEAD, HttpMethod.OPTIONS, HttpMethod.PUT, HttpMethod.DELETE, HttpMethod.TRACE
        }) {
            assertThat(UpstreamConnector.mayRetry(m, true, false, false, true))
                    .as("%s", m)
                    .isTrue();
        }
    }

    @Test
    void anythingElseGetsItsAnswerFromTheFailure() {
        assertThat(UpstreamConnector.mayRetry(HttpMethod.POST, true, false, false, true))
                .as("not idempotent")
                .isFalse();
        assertThat(UpstreamConnector.mayRetry(HttpMethod.PATCH, true, false, false, true))
                .isFalse();
        assertThat(UpstreamConnector.mayRetry(HttpMethod.GET, false, false, false, true))
                .as("a new connection: the backend really closed on this request")
                .isFalse();
        assertThat(UpstreamConnector.mayRetry(HttpMethod.GET, true, true, false, true))
                .as("only once")
                .isFalse();
        assertThat(UpstreamConnector.mayRetry(HttpMethod.PUT, true, false, true, true))
                .as("a body was sent and is gone")
                .isFalse();
        assertThat(UpstreamConnector.mayRetry(HttpMethod.GET, true, false, false, false))
                .as("the request is not whole yet")
                .isFalse();
    }
}

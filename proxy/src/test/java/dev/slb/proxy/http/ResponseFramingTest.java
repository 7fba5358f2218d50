package dev.slb.proxy.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slb.proxy.http.ResponseFraming.ConnectionHeader;
import dev.slb.proxy.http.ResponseFraming.Request;
import dev.slb.proxy.http.ResponseFraming.Response;
import org.junit.jupiter.api.Test;

/** How responses are framed for the client, from the request and response heads alone. */
class ResponseFramingTest {
    private static final Request HTTP11 = new Request(false, false, true, false);
    private static final Request HTTP10_KEEP_ALIVE = new Request(true, false, true, false);
    private static final Response LENGTH = new Response(200, false, true, true);
    private static final Response CHUNKED = new Response(200, true, false, true);
    private static final Response UNTIL_CLOSE = new Response(200, false, false, true);

    @Test
    void aDelimitedResponseToAKeepAliveHttp11ClientGoesAsItIs() {
        assertThat(ResponseFraming.of(HTTP11, LENGTH))
                .isEqualTo(new ResponseFraming(false, false, true, ConnectionHeader.NONE));
        assertThat(ResponseFraming.of(HTTP11, CHUNKED))
                .isEqualTo(new ResponseFraming(false, false, true, ConnectionHeader.NONE));
    }

    @Test
    void anHttp10ClientGetsNoChunksAndTheCloseEndsTheBody() {
        assertThat(ResponseFraming.of(HTTP10_KEEP_ALIVE, CHUNKED))
                .isEqualTo(new ResponseFraming(true, false, true, ConnectionHeader.CLOSE));
    }

    @Test
    void anHttp10ClientThatAskedForKeepAliveIsToldItHasIt() {
        assertThat(ResponseFraming.of(HTTP10_KEEP_ALIVE, LENGTH))
                .isEqualTo(new ResponseFraming(false, false, true, ConnectionHeader.KEEP_ALIVE));
    }

    @Test
    void aBodyTheBackendEndsByClosingIsChunkedForHttp11AndEndsTheConnectionForHttp10() {
        assertThat(ResponseFraming.of(HTTP11, UNTIL_CLOSE))
                .as("the backend's connection is spent either way")
                .isEqualTo(new ResponseFraming(false, true, false, ConnectionHeader.NONE));
        assertThat(ResponseFraming.of(HTTP10_KEEP_ALIVE, UNTIL_CLOSE))
                .isEqualTo(new ResponseFraming(false, false, false, ConnectionHeader.CLOSE));
    }

    @Test
    void responsesWithoutABodyNeedNoDelimiter() {
        for (int status : new int[] {204, 304}) {
            assertThat(ResponseFraming.of(HTTP11, new Response(status, false, false, true)))
                    .as("%d", status)
                    .isEqualTo(new ResponseFraming(false, false, true, ConnectionHeader.NONE));
        }
        assertThat(ResponseFraming.of(new Request(false, true, true, false), UNTIL_CLOSE))
                .as("the answer to HEAD")
                .isEqualTo(new ResponseFraming(false, false, true, ConnectionHeader.NONE));
        assertThat(ResponseFraming.mayHaveBody(200, false)).isTrue();
        assertThat(ResponseFraming.mayHaveBody(200, true)).isFalse();
    }

    @Test
    void theClientsConnectionClosesWhenItCannotCarryAnotherExchange() {
        assertThat(ResponseFraming.of(new Request(false, false, false, false), LENGTH)
                        .connection())
                .as("no keep-alive: asked for, draining or half-closed")
                .isEqualTo(ConnectionHeader.CLOSE);
        assertThat(ResponseFraming.of(new Request(false, false, true, true), LENGTH)
                        .connection())
                .as("the request body is still coming")
                .isEqualTo(ConnectionHeader.CLOSE);
        assertThat(ResponseFraming.of(new Request(true, false, false, false), LENGTH)
                        .connection())
                .isEqualTo(ConnectionHeader.CLOSE);
    }

    @Test
    void theBackendsOwnCloseSpendsOnlyItsConnection() {
        assertThat(ResponseFraming.of(HTTP11, new Response(200, false, true, false)))
                .isEqualTo(new ResponseFraming(false, false, false, ConnectionHeader.NONE));
    }

    @Test
    void theProxysOwnAnswerKeepsTheConnectionOnlyWhenBothSidesAllowIt() {
        assertThat(ResponseFraming.local(true, false, true)).isEqualTo(ConnectionHeader.NONE);
        assertThat(ResponseFraming.local(true, true, true)).isEqualTo(ConnectionHeader.KEEP_ALIVE);
        assertThat(ResponseFraming.local(false, false, true))
                .as("an answer that closes (a refusal, a request body left unread)")
                .isEqualTo(ConnectionHeader.CLOSE);
        assertThat(ResponseFraming.local(true, true, false)).isEqualTo(ConnectionHeader.CLOSE);
    }
}

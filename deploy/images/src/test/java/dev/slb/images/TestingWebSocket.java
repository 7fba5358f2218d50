package dev.slb.images;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A WebSocket client that counts what it sends and what comes back, and remembers how the
 * connection ended: what a test that holds connections across a change needs to count drops and
 * lost messages.
 */
final class TestingWebSocket implements WebSocket.Listener, AutoCloseable {
    private final BlockingQueue<String> received = new LinkedBlockingQueue<>();
    private final StringBuilder partial = new StringBuilder();
    /** The close code the server sent, or -1 when the connection broke without one. */
    final CompletableFuture<Integer> closed = new CompletableFuture<>();

    private WebSocket socket;
    private int sent;
    private int echoed;

    static TestingWebSocket open(HttpClient client, URI uri) throws Exception {
        TestingWebSocket listener = new TestingWebSocket();
        listener.socket = client.newWebSocketBuilder()
                .connectTimeout(Duration.ofSeconds(5))
                .buildAsync(uri, listener)
                .get(10, TimeUnit.SECONDS);
        return listener;
    }

    /** Sends {@code text} and waits for the echo; false when none (or another text) came in time. */
    boolean echo(String text, Duration timeout) throws Exception {
        socket.sendText(text, true).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        sent++;
        String back = received.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (text.equals(back)) {
            echoed++;
            return true;
        }
        return false;
    }

    int sent() {
        return sent;
    }

    int lost() {
        return sent - echoed;
    }

    boolean dropped() {
        return closed.isDone();
    }

    @Override
    public void onOpen(WebSocket webSocket) {
        webSocket.request(1);
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
        partial.append(data);
        if (last) {
            received.add(partial.toString());
            partial.setLength(0);
        }
        webSocket.request(1);
        return null;
    }

    @Override
    public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
        webSocket.request(1);
        return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
        closed.complete(statusCode);
        return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
        closed.complete(-1);
    }

    @Override
    public void close() {
        if (!closed.isDone()) {
            socket.sendClose(WebSocket.NORMAL_CLOSURE, "test over");
            socket.abort();
        }
    }
}

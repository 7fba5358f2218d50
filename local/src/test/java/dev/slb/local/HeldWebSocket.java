package dev.slb.local;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A WebSocket held open through the demo backend's echo, sending a numbered message every 100 ms
 * and counting what comes back: whether it was dropped (closed or failed while we did not close
 * it) and how many messages were never echoed. It asks first which pod it reached.
 */
final class HeldWebSocket implements WebSocket.Listener, AutoCloseable {
    static final Duration INTERVAL = Duration.ofMillis(100);
    /** What the demo backend answers with its name rather than an echo. */
    private static final String WHO = "who";

    private final URI uri;
    private final Set<Long> outstanding = ConcurrentHashMap.newKeySet();
    private final AtomicLong sent = new AtomicLong();
    private final StringBuilder partial = new StringBuilder();
    private final ScheduledExecutorService sender;
    private volatile WebSocket socket;
    private volatile boolean closing;
    private volatile String dropped;
    private final CompletableFuture<String> pod = new CompletableFuture<>();

    private HeldWebSocket(URI uri) {
        this.uri = uri;
        this.sender = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "held-" + uri.getScheme());
            t.setDaemon(true);
            return t;
        });
    }

    /** Opens it (within 10 s), asks which pod it reached, and starts sending. */
    static HeldWebSocket open(HttpClient client, URI uri) throws Exception {
        HeldWebSocket held = new HeldWebSocket(uri);
        try {
            held.socket = client.newWebSocketBuilder()
                    .connectTimeout(Duration.ofSeconds(5))
                    .buildAsync(uri, held)
                    .get(10, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            // The proxy's own refusals say why in their body: keep it in the failure.
            if (e.getCause() instanceof WebSocketHandshakeException refused) {
                HttpResponse<?> r = refused.getResponse();
                throw new AssertionError(
                        "WebSocket to " + uri + " refused with " + r.statusCode() + ": " + r.body(), e);
            }
            throw e;
        }
        held.socket.sendText(WHO, true).get(5, TimeUnit.SECONDS);
        held.pod.get(10, TimeUnit.SECONDS);
        held.sender.scheduleWithFixedDelay(
                held::sendNext, INTERVAL.toMillis(), INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
        return held;
    }

    private void sendNext() {
        if (closing || dropped != null) {
            return;
        }
        long n = sent.incrementAndGet();
        outstanding.add(n);
        try {
            // One at a time: the sender thread waits for each send, so sends never overlap.
            socket.sendText(Long.toString(n), true).get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            if (!closing && dropped == null) {
                dropped = "send failed: " + e;
            }
        }
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
        partial.append(data);
        if (last) {
            try {
                outstanding.remove(Long.parseLong(partial.toString()));
            } catch (NumberFormatException e) {
                // Not a numbered message: the answer to who, the pod's name.
                pod.complete(partial.toString());
            }
            partial.setLength(0);
        }
        webSocket.request(1);
        return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
        if (!closing) {
            dropped = "closed by the other side with " + statusCode + " " + reason;
        }
        return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
        if (!closing) {
            dropped = "failed: " + error;
        }
    }

    void stopSending() {
        sender.shutdown();
        try {
            sender.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Waits until every message sent has come back, or {@code limit} has passed. */
    void awaitEchoes(Duration limit) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (!outstanding.isEmpty() && dropped == null && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
    }

    /** Waits until the other side ends it (or {@code limit} has passed); what {@link #dropped} then says. */
    String awaitEnd(Duration limit) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (dropped == null && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        return dropped;
    }

    /** The demo backend pod this WebSocket reached. */
    String pod() {
        return pod.join();
    }

    URI uri() {
        return uri;
    }

    long sent() {
        return sent.get();
    }

    /** Messages sent and never echoed. */
    int lost() {
        return outstanding.size();
    }

    /** Why it ended without our closing it, or null while it is open. */
    String dropped() {
        return dropped;
    }

    @Override
    public void close() {
        closing = true;
        sender.shutdownNow();
        WebSocket s = socket;
        if (s != null && !s.isOutputClosed()) {
            s.sendClose(WebSocket.NORMAL_CLOSURE, "done");
        }
    }

    @Override
    public String toString() {
        return uri + " on " + pod.getNow("?") + " (" + sent.get() + " sent)";
    }
}

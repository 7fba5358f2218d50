package dev.slb.proxy.websocket;

import static dev.slb.proxy.websocket.TestingFrames.BINARY;
import static dev.slb.proxy.websocket.TestingFrames.CONTINUATION;
import static dev.slb.proxy.websocket.TestingFrames.RSV1;
import static dev.slb.proxy.websocket.TestingFrames.TEXT;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.Deflater;
import java.util.zip.Inflater;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The relay on real sockets: a JDK WebSocket client (or a raw socket) through the relay to a
 * WebSocket echo backend, all on 127.0.0.1.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class WebSocketRelaySocketTest {
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final WebSocketRelay.Settings DEFAULTS = new WebSocketRelay.Settings(Duration.ofSeconds(60), null);

    private TestingEchoBackend backend;
    private TestingWebSocketProxy proxy;
    private WebSocket ws;

    @AfterEach
    void tearDown() {
        if (ws != null) {
            ws.abort();
        }
        if (proxy != null) {
            proxy.close();
        }
        if (backend != null) {
            backend.close();
        }
    }

    private Recorder connect(WebSocketRelay.Settings settings) throws Exception {
        backend = new TestingEchoBackend();
        proxy = new TestingWebSocketProxy(backend.port(), settings);
        Recorder recorder = new Recorder();
        ws = HTTP.newWebSocketBuilder()
                .connectTimeout(Duration.ofSeconds(5))
                .buildAsync(URI.create("ws://127.0.0.1:" + proxy.port() + "/chat"), recorder)
                .get(10, TimeUnit.SECONDS);
        return recorder;
    }

    @Test
    @Timeout(30)
    void textEchoes() throws Exception {
        Recorder client = connect(DEFAULTS);
        ws.sendText("hello through the load balancer", true).get(5, TimeUnit.SECONDS);
        assertThat(client.texts.poll(5, TimeUnit.SECONDS)).isEqualTo("hello through the load balancer");
        ws.sendText("and again", true).get(5, TimeUnit.SECONDS);
        assertThat(client.texts.poll(5, TimeUnit.SECONDS)).isEqualTo("and again");
    }

    @Test
    @Timeout(60)
    void sixteenMebibyteBinaryMessageEchoes() throws Exception {
        Recorder client = connect(DEFAULTS);
        byte[] message = new byte[16 * 1024 * 1024];
        new Random(42).nextBytes(message);
        ws.sendBinary(ByteBuffer.wrap(message), true).get(30, TimeUnit.SECONDS);
        byte[] echoed = client.binaries.poll(30, TimeUnit.SECONDS);
        assertThat(echoed).isNotNull();
        assertThat(echoed.length).isEqualTo(message.length);
        assertThat(Arrays.equals(echoed, message))
                .as("16 MiB echoed byte for byte")
                .isTrue();
    }

    @Test
    @Timeout(30)
    void fragmentedMessageEchoes() throws Exception {
        Recorder client = connect(DEFAULTS);
        ws.sendText("frag", false).get(5, TimeUnit.SECONDS);
        ws.sendText("men", false).get(5, TimeUnit.SECONDS);
        ws.sendText("ted", true).get(5, TimeUnit.SECONDS);
        assertThat(client.texts.poll(5, TimeUnit.SECONDS)).isEqualTo("fragmented");
        assertThat(backend.seen).contains("Text", "Continuation", "Continuation fin");
    }

    @Test
    @Timeout(30)
    void clientPingGetsTheBackendsPong() throws Exception {
        Recorder client = connect(DEFAULTS);
        ws.sendPing(ByteBuffer.wrap("are you there".getBytes(StandardCharsets.UTF_8)))
                .get(5, TimeUnit.SECONDS);
        assertThat(client.pongs.poll(5, TimeUnit.SECONDS)).isEqualTo("are you there");
    }

    @Test
    @Timeout(30)
    void idleConnectionIsClosedWithGoingAway() throws Exception {
        Recorder client = connect(new WebSocketRelay.Settings(Duration.ofMillis(300), null));
        assertThat(client.closed.get(5, TimeUnit.SECONDS)).isEqualTo("1001 idle timeout: no message for 0.3s");
        proxy.awaitClosedRelays(1, Duration.ofSeconds(5));
        backend.awaitSeen("Close 1001 idle timeout: no message for 0.3s", Duration.ofSeconds(5));
    }

    @Test
    @Timeout(30)
    void keepalivePingsHoldAQuietConnectionOpen() throws Exception {
        Recorder client = connect(new WebSocketRelay.Settings(Duration.ofMillis(400), Duration.ofMillis(100)));
        Thread.sleep(1500);
        assertThat(client.closed).as("open after nearly four idle timeouts").isNotDone();
        assertThat(client.pings.get()).isGreaterThanOrEqualTo(5);
        ws.sendText("still here", true).get(5, TimeUnit.SECONDS);
        assertThat(client.texts.poll(5, TimeUnit.SECONDS)).isEqualTo("still here");
        assertThat(backend.seen)
                .as("the client's answers to the proxy's pings stay in the proxy")
                .doesNotContain("Pong");
    }

    @Test
    @Timeout(30)
    void goingAwayClosesTheClientWith1001() throws Exception {
        Recorder client = connect(DEFAULTS);
        ws.sendText("hi", true).get(5, TimeUnit.SECONDS);
        assertThat(client.texts.poll(5, TimeUnit.SECONDS)).isEqualTo("hi");
        proxy.awaitRelay().goingAway("the load balancer is draining; please reconnect");
        assertThat(client.closed.get(5, TimeUnit.SECONDS))
                .isEqualTo("1001 the load balancer is draining; please reconnect");
        proxy.awaitClosedRelays(1, Duration.ofSeconds(5));
        backend.awaitSeen("Close 1001 the load balancer is draining; please reconnect", Duration.ofSeconds(5));
    }

    @Test
    @Timeout(30)
    void clientCloseHandshakePassesThrough() throws Exception {
        Recorder client = connect(DEFAULTS);
        ws.sendClose(WebSocket.NORMAL_CLOSURE, "done").get(5, TimeUnit.SECONDS);
        assertThat(client.closed.get(5, TimeUnit.SECONDS)).isEqualTo("1000 ");
        proxy.awaitClosedRelays(1, Duration.ofSeconds(5));
        backend.awaitSeen("Close 1000 done", Duration.ofSeconds(5));
    }

    @Test
    @Timeout(30)
    void compressedFramesWithRsv1PassUnchanged() throws Exception {
        backend = new TestingEchoBackend();
        proxy = new TestingWebSocketProxy(backend.port(), DEFAULTS);
        try (Socket s = rawClient(proxy.port())) {
            byte[] compressed = deflate("permessage-deflate payload, payload, payload, payload");
            byte[] first = Arrays.copyOf(compressed, compressed.length / 2);
            byte[] second = Arrays.copyOfRange(compressed, compressed.length / 2, compressed.length);
            OutputStream out = s.getOutputStream();
            out.write(TestingFrames.masked(true, RSV1, TEXT, compressed));
            // RFC 7692: RSV1 on the first frame of a fragmented message only.
            out.write(TestingFrames.masked(false, RSV1, BINARY, first));
            out.write(TestingFrames.masked(true, 0, CONTINUATION, second));
            out.flush();

            byte[] expected = TestingFrames.concat(
                    TestingFrames.unmasked(true, RSV1, TEXT, compressed),
                    TestingFrames.unmasked(false, RSV1, BINARY, first),
                    TestingFrames.unmasked(true, 0, CONTINUATION, second));
            byte[] received = s.getInputStream().readNBytes(expected.length);
            assertThat(received).isEqualTo(expected);
            assertThat(inflate(TestingFrames.parse(received).get(0).payload()))
                    .isEqualTo("permessage-deflate payload, payload, payload, payload");
        }
        assertThat(backend.seen).contains("Text fin rsv=4", "Binary rsv=4", "Continuation fin");
    }

    @Test
    @Timeout(60)
    void aClientThatStopsReadingStopsTheBackendInsteadOfFillingTheProxy() throws Exception {
        backend = new TestingEchoBackend();
        proxy = new TestingWebSocketProxy(backend.port(), DEFAULTS);
        int frames = 2000;
        long total = (long) frames * (4 + TestingEchoBackend.FLOOD_FRAME);
        try (Socket s = rawClient(proxy.port())) {
            s.getOutputStream().write(TestingFrames.masked(TEXT, "flood " + frames));
            s.getOutputStream().flush();

            long stalled = awaitStall(backend, Duration.ofMillis(500));
            // Kernel socket buffers on both hops hold some megabytes; the proxy itself holds at
            // most a read plus its write-buffer high water mark.
            assertThat(stalled)
                    .as("bytes the backend got out while the client read nothing")
                    .isLessThan(40L * 1024 * 1024);

            InputStream in = s.getInputStream();
            byte[] buf = new byte[64 * 1024];
            long seen = 0;
            int frameSize = 4 + TestingEchoBackend.FLOOD_FRAME;
            byte[] header = {
                (byte) 0x82, 126, (byte) (TestingEchoBackend.FLOOD_FRAME >>> 8), (byte) TestingEchoBackend.FLOOD_FRAME
            };
            while (seen < total) {
                int n = in.read(buf);
                assertThat(n)
                        .as("stream ended after %d of %d bytes", seen, total)
                        .isPositive();
                for (int i = 0; i < n; i++) {
                    int at = (int) ((seen + i) % frameSize);
                    byte want = at < 4 ? header[at] : 0;
                    if (buf[i] != want) {
                        throw new AssertionError("byte " + (seen + i) + " is " + buf[i] + ", expected " + want);
                    }
                }
                seen += n;
            }
            assertThat(seen).isEqualTo(total);
        }
    }

    // ---- helpers -------------------------------------------------------------------------------

    private static long awaitStall(TestingEchoBackend backend, Duration quiet) throws InterruptedException {
        long last = -1;
        long since = System.nanoTime();
        while (true) {
            long now = backend.floodWritten.get();
            if (now != last) {
                last = now;
                since = System.nanoTime();
            } else if (now > 0 && System.nanoTime() - since > quiet.toNanos()) {
                return now;
            }
            Thread.sleep(20);
        }
    }

    private static Socket rawClient(int port) throws IOException {
        Socket s = new Socket("127.0.0.1", port);
        s.setSoTimeout(15_000);
        String request = "GET /raw HTTP/1.1\r\n"
                + "Host: 127.0.0.1:" + port + "\r\n"
                + "Upgrade: websocket\r\n"
                + "Connection: Upgrade\r\n"
                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                + "Sec-WebSocket-Version: 13\r\n\r\n";
        s.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
        s.getOutputStream().flush();
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        InputStream in = s.getInputStream();
        while (!head.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("closed during handshake: " + head);
            }
            head.write(b);
        }
        assertThat(head.toString(StandardCharsets.US_ASCII)).startsWith("HTTP/1.1 101");
        return s;
    }

    /** Compresses as permessage-deflate does: raw deflate, sync flush, the trailing 00 00 ff ff removed. */
    private static byte[] deflate(String text) {
        Deflater deflater = new Deflater(Deflater.DEFAULT_COMPRESSION, true);
        deflater.setInput(text.getBytes(StandardCharsets.UTF_8));
        byte[] out = new byte[1024];
        int n = deflater.deflate(out, 0, out.length, Deflater.SYNC_FLUSH);
        deflater.end();
        return Arrays.copyOf(out, n - 4);
    }

    private static String inflate(byte[] compressed) throws Exception {
        Inflater inflater = new Inflater(true);
        inflater.setInput(TestingFrames.concat(compressed, new byte[] {0, 0, (byte) 0xFF, (byte) 0xFF}));
        byte[] out = new byte[1024];
        int n = inflater.inflate(out);
        inflater.end();
        return new String(out, 0, n, StandardCharsets.UTF_8);
    }

    /** Collects what the JDK WebSocket client receives, whole messages at a time. */
    private static final class Recorder implements WebSocket.Listener {
        final BlockingQueue<String> texts = new LinkedBlockingQueue<>();
        final BlockingQueue<byte[]> binaries = new LinkedBlockingQueue<>();
        final BlockingQueue<String> pongs = new LinkedBlockingQueue<>();
        final AtomicInteger pings = new AtomicInteger();
        final CompletableFuture<String> closed = new CompletableFuture<>();
        private StringBuilder text = new StringBuilder();
        private ByteArrayOutputStream binary = new ByteArrayOutputStream();

        @Override
        public void onOpen(WebSocket webSocket) {
            webSocket.request(1);
        }

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            text.append(data);
            if (last) {
                texts.add(text.toString());
                text = new StringBuilder();
            }
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
            byte[] part = new byte[data.remaining()];
            data.get(part);
            binary.writeBytes(part);
            if (last) {
                binaries.add(binary.toByteArray());
                binary = new ByteArrayOutputStream();
            }
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onPing(WebSocket webSocket, ByteBuffer message) {
            pings.incrementAndGet();
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onPong(WebSocket webSocket, ByteBuffer message) {
            pongs.add(StandardCharsets.UTF_8.decode(message).toString());
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            closed.complete(statusCode + " " + reason);
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            closed.completeExceptionally(error);
        }
    }
}

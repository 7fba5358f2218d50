package dev.slb.proxy;

import static dev.slb.proxy.testing.TestingH2Connection.CONTINUATION;
import static dev.slb.proxy.testing.TestingH2Connection.END_HEADERS;
import static dev.slb.proxy.testing.TestingH2Connection.END_STREAM;
import static dev.slb.proxy.testing.TestingH2Connection.GOAWAY;
import static dev.slb.proxy.testing.TestingH2Connection.HEADERS;
import static dev.slb.proxy.testing.TestingH2Connection.RST_STREAM;
import static dev.slb.proxy.testing.TestingH2Connection.frame;
import static org.assertj.core.api.Assertions.assertThat;

import dev.slb.model.Listener;
import dev.slb.model.Protocol;
import dev.slb.model.Tls;
import dev.slb.proxy.testing.TestingBackend;
import dev.slb.proxy.testing.TestingH2Connection;
import dev.slb.proxy.testing.TestingH2Connection.Frame;
import dev.slb.proxy.testing.TestingPorts;
import dev.slb.proxy.testing.TestingProxy;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The HTTP/2 attacks of recent years, sent as raw frames over real TLS (no client codec to
 * soften them): each must end with the connection closed after a bounded amount of work, and
 * nothing of it reaching a backend.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class Http2AttacksTest {
    private static final int ENHANCE_YOUR_CALM = 0xb;
    /** Far beyond the proxy's allowance of resets per window. */
    private static final int ATTEMPTS = 5_000;

    private static final Duration WAIT = Duration.ofSeconds(10);
    /** However long the proxy takes to notice, no flood goes on longer than this. */
    private static final Duration FLOOD_TIME = Duration.ofSeconds(30);

    private TestingBackend backend;
    private TestingProxy proxy;
    private final List<TestingH2Connection> clients = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (TestingH2Connection c : clients) {
            c.close();
        }
        if (proxy != null) {
            proxy.close();
        }
        if (backend != null) {
            backend.close();
        }
    }

    /**
     * One HTTPS listener (HTTP/2 on) in front of one backend; a keep-alive timeout longer than any
     * test, so that only the protection under test can close a connection whose stream never opens.
     */
    private void startProxy() throws Exception {
        backend = TestingBackend.start("b");
        proxy = TestingProxy.start(Listener.of("secure", Protocol.HTTPS, 0, List.of(backend.backend()))
                .withBindAddress(TestingPorts.LOOPBACK, TestingPorts.free())
                .withTls(new Tls(Http2ProxyTest.path("tls.crt"), Http2ProxyTest.path("tls.key"), null))
                .toBuilder()
                .httpKeepaliveTimeout(Duration.ofMinutes(10))
                .build());
    }

    private TestingH2Connection connect() throws Exception {
        TestingH2Connection c = TestingH2Connection.open(proxy.port("secure"), Http2ProxyTest.CERTS.resolve("tls.crt"));
        clients.add(c);
        return c;
    }

    @Test
    void rapidResetClosesTheConnectionAfterABoundedNumberOfStreams() throws Exception {
        startProxy();
        TestingH2Connection client = connect();

        int sent = 0;
        while (sent < ATTEMPTS && client.isOpen()) {
            ByteBuf batch = Unpooled.buffer();
            for (int i = 0; i < 50; i++, sent++) {
                int stream = 2 * sent + 1;
                frame(batch, HEADERS, END_HEADERS, stream, headerBlock("/")); // body to follow
                frame(batch, RST_STREAM, 0, stream, new byte[] {0, 0, 0, 0x8}); // CANCEL
            }
            client.send(batch).await(5, TimeUnit.SECONDS);
        }

        assertThat(client.awaitClosed(WAIT)).isTrue();
        Frame goAway = client.awaitGoAway(Duration.ofSeconds(1));
        assertThat(goAway).isNotNull();
        assertThat(goAway.errorCode()).isEqualTo(ENHANCE_YOUR_CALM);
        // Bounded work: the proxy stopped at its allowance of resets, and few reached the backend.
        assertThat(backend.requestCount()).isLessThanOrEqualTo(300);
    }

    /**
     * CONTINUATION flood (CVE-2024-27316): a header block that never ends, in frames full of
     * header bytes. The proxy holds at most the header-list limit of it (with Netty's margin) and
     * then closes the connection, instead of buffering for as long as the client sends.
     */
    @Test
    void aHeaderBlockThatNeverEndsIsCutOffAtTheHeaderListLimit() throws Exception {
        startProxy();
        TestingH2Connection client = connect();
        byte[] fragment = new byte[4096];
        java.util.Arrays.fill(fragment, (byte) 'a');
        int sent = flood(
                client,
                10_000,
                out -> frame(out, CONTINUATION, 0, 1, fragment),
                out -> frame(out, HEADERS, END_STREAM, 1, headerBlock("/")));

        assertThat(client.awaitClosed(WAIT))
                .as("closed after %d frames of 4 KiB", sent)
                .isTrue();
        closedForMisbehaving(client);
    }

    /** CONTINUATION flood with tiny frames: each costs the proxy work and adds almost nothing to the header list. */
    @Test
    void aHeaderBlockInTinyContinuationFramesClosesTheConnection() throws Exception {
        startProxy();
        TestingH2Connection client = connect();
        byte[] tiny = {'a'};
        // 30,000 one-byte frames hold less than the header-list limit: only their number can close the connection.
        int most = 30_000;
        int sent = flood(
                client,
                most,
                out -> frame(out, CONTINUATION, 0, 1, tiny),
                out -> frame(out, HEADERS, END_STREAM, 1, headerBlock("/")));

        assertThat(client.awaitClosed(WAIT))
                .as("closed after %d tiny frames", sent)
                .isTrue();
        closedForMisbehaving(client);
    }

    /**
     * Writes {@code first}, then {@code each} up to {@code most} times in batches, until the proxy
     * closes the connection or {@link #FLOOD_TIME} passes; how many of {@code each} went out.
     */
    private static int flood(TestingH2Connection client, int most, Consumer<ByteBuf> each, Consumer<ByteBuf> first)
            throws InterruptedException {
        ByteBuf opening = Unpooled.buffer();
        first.accept(opening);
        client.send(opening).await(WAIT.toMillis());
        long deadline = System.nanoTime() + FLOOD_TIME.toNanos();
        int sent = 0;
        while (sent < most && client.isOpen() && System.nanoTime() - deadline < 0) {
            ByteBuf batch = Unpooled.buffer();
            for (int i = 0; i < 100 && sent < most; i++, sent++) {
                each.accept(batch);
            }
            client.send(batch).await(WAIT.toMillis());
        }
        return sent;
    }

    /** The proxy's GOAWAY said why, when it arrived (a reset may overtake it), and no request reached a backend. */
    private void closedForMisbehaving(TestingH2Connection client) {
        assertThat(client.frames()).filteredOn(f -> f.type() == GOAWAY).allMatch(f -> f.errorCode() != 0);
        assertThat(backend.requestCount()).isZero();
    }

    @Test
    void aPathWithBytesAnHttp11RequestLineCannotHaveIsRefusedAndNeverForwarded() throws Exception {
        startProxy();

        assertThat(answer("/a")).isEqualTo("200");

        // A tab and a space pass Netty's header checks: this proxy answers them 400, before Netty's
        // conversion, which threw on the space and leaked the request's buffer (paranoid leak detection
        // reported it here).
        for (String path : List.of("/a\tb", "/a b")) {
            assertThat(answer(path)).as("refused, never served: %s", path).isEqualTo("400");
        }
        // Netty's header checks reset the stream for DEL or NUL (PROTOCOL_ERROR) before the proxy sees them.
        for (String path : List.of("/a\u007fb", "/a\u0000b")) {
            assertThat(answer(path))
                    .as("refused or reset, never served: %s", path.replace("\u0000", "NUL"))
                    .isIn("400", "reset 1");
        }
        assertThat(backend.requestCount())
                .as("only the valid path reached the backend")
                .isEqualTo(1);
    }

    /** The answer to GET {@code path} on a new connection: its status, or the code of the reset. */
    private String answer(String path) throws Exception {
        TestingH2Connection client = connect();
        ByteBuf request = Unpooled.buffer();
        frame(request, HEADERS, END_STREAM | END_HEADERS, 1, headerBlock(path));
        client.send(request).sync();
        Frame f = client.answer(1);
        assertThat(f)
                .as(
                        "an answer to %s; frames: %s; open: %s",
                        path,
                        client.frames().stream()
                                .map(x -> x.outcome()
                                        + (x.type() == TestingH2Connection.GOAWAY && x.payload().length > 8
                                                ? " "
                                                        + new String(
                                                                x.payload(),
                                                                8,
                                                                x.payload().length - 8,
                                                                java.nio.charset.StandardCharsets.UTF_8)
                                                : ""))
                                .toList(),
                        client.isOpen())
                .isNotNull();
        return f.outcome();
    }

    /** GET {@code path} over https: :path a literal (or index 4 for "/"), :authority a literal; bytes as given, unchecked. */
    private static byte[] headerBlock(String path) {
        ByteBuf block = Unpooled.buffer();
        block.writeByte(0x82); // :method GET
        block.writeByte(0x87); // :scheme https
        if (path.equals("/")) {
            block.writeByte(0x84); // :path /
        } else {
            block.writeByte(0x04); // :path, literal without indexing (name index 4), no Huffman
            byte[] bytes = path.getBytes(StandardCharsets.ISO_8859_1);
            block.writeByte(bytes.length);
            block.writeBytes(bytes);
        }
        byte[] authority = "127.0.0.1".getBytes(StandardCharsets.US_ASCII);
        block.writeByte(0x01); // :authority, literal without indexing (name index 1)
        block.writeByte(authority.length);
        block.writeBytes(authority);
        byte[] out = new byte[block.readableBytes()];
        block.readBytes(out);
        block.release();
        return out;
    }
}

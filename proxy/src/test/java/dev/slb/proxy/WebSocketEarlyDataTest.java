package dev.slb.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slb.model.Backend;
import dev.slb.proxy.demo.DemoBackend;
import dev.slb.proxy.testing.TestingConnection;
import dev.slb.proxy.testing.TestingListener;
import dev.slb.proxy.testing.TestingPorts;
import dev.slb.proxy.testing.TestingProxy;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 16, finding 2: WebSocket frames a client sends in the same write as its upgrade request
 * (before the 101) reach the backend in order, and the relay keeps its frame boundaries; what
 * follows an upgrade the backend does not accept is read as the next HTTP requests.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class WebSocketEarlyDataTest {
    private static final int[] KEY = {0x37, 0xfa, 0x21, 0x3d};

    private DemoBackend backend;
    private TestingProxy proxy;

    @BeforeEach
    void start() throws Exception {
        backend = DemoBackend.start(new InetSocketAddress(TestingPorts.LOOPBACK, 0), "echo");
        proxy = TestingProxy.start(TestingListener.http("web")
                .backends(new Backend(TestingPorts.LOOPBACK, backend.address().getPort()))
                .build());
    }

    @AfterEach
    void stop() {
        if (proxy != null) {
            proxy.close();
        }
        backend.close();
    }

    private static String upgrade(String path) {
        return "GET " + path + " HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
    }

    @Test
    void tenFramesSentWithTheUpgradeAreAllEchoedInOrder() throws Exception {
        ByteArrayOutputStream write = new ByteArrayOutputStream();
        write.writeBytes(upgrade("/ws").getBytes(StandardCharsets.ISO_8859_1));
        for (int i = 0; i < 10; i++) {
            write.writeBytes(maskedText(("early " + i).getBytes(StandardCharsets.UTF_8)));
        }
        try (TestingConnection c = TestingConnection.open(proxy.port("web"))) {
            c.send(write.toByteArray());
            assertThat(c.readHead().status()).isEqualTo(101);
            List<String> echoed = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                echoed.add(new String(readFrame(c), StandardCharsets.UTF_8));
            }
            assertThat(echoed)
                    .as("before issue 16, 0 of 10 came back")
                    .containsExactly(
                            "early 0", "early 1", "early 2", "early 3", "early 4", "early 5", "early 6", "early 7",
                            "early 8", "early 9");
        }
    }

    @Test
    void twoLargeFramesSentWithTheUpgradeKeepTheirBoundaries() throws Exception {
        byte[] first = pattern(100_000, 3);
        byte[] second = pattern(100_000, 7);
        ByteArrayOutputStream write = new ByteArrayOutputStream();
        write.writeBytes(upgrade("/ws").getBytes(StandardCharsets.ISO_8859_1));
        write.writeBytes(maskedText(first));
        write.writeBytes(maskedText(second));
        try (TestingConnection c = TestingConnection.open(proxy.port("web"))) {
            c.send(write.toByteArray());
            assertThat(c.readHead().status()).isEqualTo(101);
            assertThat(readFrame(c)).isEqualTo(first);
            assertThat(readFrame(c)).isEqualTo(second);
            // And the connection goes on: a frame sent after the 101 is echoed too.
            c.send(maskedText("after".getBytes(StandardCharsets.UTF_8)));
            assertThat(new String(readFrame(c), StandardCharsets.UTF_8)).isEqualTo("after");
        }
    }

    @Test
    void aRequestSentBehindAnUpgradeTheBackendDeclinesIsAnswered() throws Exception {
        try (TestingConnection c = TestingConnection.open(proxy.port("web"))) {
            // The demo backend upgrades /ws only: /plain is answered 200 as an ordinary request.
            c.send(upgrade("/plain") + "GET /next HTTP/1.1\r\nHost: h\r\n\r\n");
            TestingConnection.Response declined = c.readResponse();
            assertThat(declined.status()).isEqualTo(200);
            assertThat(declined.bodyText()).contains("/plain");
            TestingConnection.Response next = c.readResponse();
            assertThat(next.status()).isEqualTo(200);
            assertThat(next.bodyText()).contains("/next");
        }
    }

    /** A masked text frame from the client, as RFC 6455 5.3 wants, with the shortest length encoding. */
    private static byte[] maskedText(byte[] payload) {
        ByteArrayOutputStream f = new ByteArrayOutputStream();
        f.write(0x81);
        if (payload.length < 126) {
            f.write(0x80 | payload.length);
        } else if (payload.length < 65536) {
            f.write(0x80 | 126);
            f.write(payload.length >>> 8);
            f.write(payload.length & 0xFF);
        } else {
            f.write(0x80 | 127);
            for (int shift = 56; shift >= 0; shift -= 8) {
                f.write((int) ((long) payload.length >>> shift) & 0xFF);
            }
        }
        for (int k : KEY) {
            f.write(k);
        }
        for (int i = 0; i < payload.length; i++) {
            f.write(payload[i] ^ KEY[i & 3]);
        }
        return f.toByteArray();
    }

    /** Reads one unmasked, unfragmented data frame from the server and returns its payload. */
    private static byte[] readFrame(TestingConnection c) throws IOException {
        DataInputStream in = new DataInputStream(c.body(rawHead()));
        int b0 = in.readUnsignedByte();
        int b1 = in.readUnsignedByte();
        assertThat(b0 & 0x80).as("FIN").isNotZero();
        assertThat(b0 & 0x0F).as("opcode").isIn(0x1, 0x2);
        assertThat(b1 & 0x80).as("a server frame is not masked").isZero();
        long len = b1 & 0x7F;
        if (len == 126) {
            len = in.readUnsignedShort();
        } else if (len == 127) {
            len = in.readLong();
        }
        byte[] payload = new byte[(int) len];
        in.readFully(payload);
        return payload;
    }

    /** A response head with neither length nor chunking: its body is the rest of the connection, read raw. */
    private static TestingConnection.Response rawHead() {
        return new TestingConnection.Response("HTTP/1.1 200 OK", "HTTP/1.1", 200, List.of(), null);
    }

    private static byte[] pattern(int n, int seed) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) ('a' + (i * seed) % 26);
        }
        return b;
    }
}

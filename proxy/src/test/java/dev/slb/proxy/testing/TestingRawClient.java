package dev.slb.proxy.testing;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * A client that writes its own request heads, over plain TCP or TLS (any certificate trusted): for
 * what the JDK's clients will not send, such as a Host header other than the URI's, or a
 * WebSocket handshake with one. Text WebSocket messages go masked, one frame each.
 */
public final class TestingRawClient implements AutoCloseable {
    public static final Duration READ_TIMEOUT = Duration.ofSeconds(10);

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    /** One response: status, headers and body as text. */
    public record Answer(int status, List<String[]> headers, String body) {
        public String header(String name) {
            return TestingWire.header(headers, name);
        }
    }

    private TestingRawClient(Socket socket) throws IOException {
        this.socket = socket;
        this.in = new BufferedInputStream(socket.getInputStream());
        this.out = socket.getOutputStream();
    }

    public static TestingRawClient open(int port, boolean tls) throws Exception {
        Socket s = new Socket();
        s.setSoTimeout((int) READ_TIMEOUT.toMillis());
        s.connect(new InetSocketAddress(TestingPorts.LOOPBACK, port), (int) READ_TIMEOUT.toMillis());
        if (tls) {
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, new TrustManager[] {new TrustingAll()}, null);
            SSLSocket ssl = (SSLSocket) ctx.getSocketFactory().createSocket(s, TestingPorts.LOOPBACK, port, true);
            ssl.startHandshake();
            s = ssl;
        }
        return new TestingRawClient(s);
    }

    /** Sends {@code method target} with this Host and extra header lines, and reads the whole answer. */
    public Answer request(String method, String target, String host, String... headerLines) throws IOException {
        StringBuilder head = new StringBuilder(method + " " + target + " HTTP/1.1\r\nHost: " + host + "\r\n");
        for (String h : headerLines) {
            head.append(h).append("\r\n");
        }
        write(head.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1));
        return read(!method.equals("HEAD"));
    }

    /** A WebSocket opening handshake with this Host; the answer's status says whether it switched. */
    public Answer upgrade(String target, String host) throws IOException {
        String key = Base64.getEncoder().encodeToString("testing-raw-key!".getBytes(StandardCharsets.US_ASCII));
        return request(
                "GET",
                target,
                host,
                "Upgrade: websocket",
                "Connection: Upgrade",
                "Sec-WebSocket-Key: " + key,
                "Sec-WebSocket-Version: 13");
    }

    /** Sends a masked text message (under 126 bytes) and reads the text message that comes back. */
    public String echo(String text) throws IOException {
        byte[] payload = text.getBytes(StandardCharsets.UTF_8);
        if (payload.length > 125) {
            throw new IllegalArgumentException("short messages only");
        }
        byte[] mask = {1, 2, 3, 4};
        ByteArrayOutputStream frame = new ByteArrayOutputStream();
        frame.write(0x81);
        frame.write(0x80 | payload.length);
        frame.write(mask, 0, 4);
        for (int i = 0; i < payload.length; i++) {
            frame.write(payload[i] ^ mask[i % 4]);
        }
        write(frame.toByteArray());
        int b0 = in.read();
        int len = in.read() & 0x7F;
        if (b0 != 0x81 || len > 125) {
            throw new IOException("expected one short unmasked text frame, got " + b0 + "/" + len);
        }
        return new String(in.readNBytes(len), StandardCharsets.UTF_8);
    }

    private void write(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    private Answer read(boolean withBody) throws IOException {
        String status = TestingWire.readLine(in);
        if (status == null) {
            throw new IOException("the connection closed before an answer");
        }
        int code = Integer.parseInt(status.split(" ", 3)[1]);
        List<String[]> headers = TestingWire.readHeaders(in);
        String body = "";
        if (withBody && code != 101 && code != 204 && code != 304) {
            String length = TestingWire.header(headers, "Content-Length");
            InputStream b = length != null
                    ? TestingWire.lengthBody(in, Long.parseLong(length.trim()))
                    : TestingWire.chunkedBody(in);
            body = new String(TestingWire.readAll(b, 1 << 20), StandardCharsets.UTF_8);
        }
        return new Answer(code, headers, body);
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }

    private static final class TrustingAll implements X509TrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {}

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {}

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}

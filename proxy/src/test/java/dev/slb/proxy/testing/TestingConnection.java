package dev.slb.proxy.testing;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * A raw client socket that speaks HTTP/1.x by hand: for what a library client would not send
 * (pipelining, HTTP/1.0, malformed input) and for seeing exactly what comes back. Every read has
 * a timeout, so a proxy that hangs fails the test instead of stalling it.
 */
public final class TestingConnection implements AutoCloseable {
    public static final Duration READ_TIMEOUT = Duration.ofSeconds(10);

    private final Socket socket;
    private final BufferedInputStream in;
    private final OutputStream out;

    private TestingConnection(Socket socket) throws IOException {
        this.socket = socket;
        this.in = new BufferedInputStream(socket.getInputStream(), 64 * 1024);
        this.out = socket.getOutputStream();
    }

    public static TestingConnection open(int port) throws IOException {
        Socket s = new Socket();
        s.setSoTimeout((int) READ_TIMEOUT.toMillis());
        s.setTcpNoDelay(true);
        s.connect(new InetSocketAddress(TestingPorts.LOOPBACK, port), (int) READ_TIMEOUT.toMillis());
        return new TestingConnection(s);
    }

    public Socket socket() {
        return socket;
    }

    /** Sends text as ISO-8859-1 bytes, the way HTTP/1.1 heads are written. */
    public TestingConnection send(String text) throws IOException {
        return send(text.getBytes(StandardCharsets.ISO_8859_1));
    }

    public TestingConnection send(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
        return this;
    }

    public void shutdownOutput() throws IOException {
        socket.shutdownOutput();
    }

    /** Reads one whole response to a request that is not HEAD. */
    public Response readResponse() throws IOException {
        Response head = readHead();
        try (InputStream body = body(head)) {
            return head.withBody(readAll(body, 64L * 1024 * 1024));
        }
    }

    /** Reads a status line and headers; {@link #body} then reads the body. 1xx responses are skipped. */
    public Response readHead() throws IOException {
        while (true) {
            String statusLine = readLine();
            if (statusLine == null) {
                throw new EOFException("the connection closed before a response");
            }
            String[] parts = statusLine.split(" ", 3);
            if (parts.length < 2 || !parts[0].startsWith("HTTP/")) {
                throw new IOException("not an HTTP status line: " + statusLine);
            }
            int status = Integer.parseInt(parts[1]);
            List<String[]> headers = readHeaders();
            Response r = new Response(statusLine, parts[0], status, headers, null);
            if (status >= 200 || status == 101) {
                return r;
            }
        }
    }

    /**
     * The body of a response whose head was just read, framed the way RFC 9112 says: chunked,
     * Content-Length, or up to the end of the connection.
     */
    public InputStream body(Response head) {
        if (head.status() == 204 || head.status() == 304 || head.status() == 101) {
            return InputStream.nullInputStream();
        }
        String te = head.header("Transfer-Encoding");
        if (te != null && te.toLowerCase(Locale.ROOT).contains("chunked")) {
            return TestingWire.chunkedBody(in);
        }
        String cl = head.header("Content-Length");
        if (cl != null) {
            return TestingWire.lengthBody(in, Long.parseLong(cl.trim()));
        }
        return new InputStream() {
            @Override
            public int read() throws IOException {
                return in.read();
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                return in.read(b, off, len);
            }
        };
    }

    /**
     * True when the peer closed the connection: a read returns end-of-stream (or the connection
     * is reset) within the read timeout. Whatever else arrives first is skipped, up to 1 MiB.
     */
    public boolean closedByPeer() throws IOException {
        byte[] buf = new byte[8192];
        long skipped = 0;
        try {
            while (skipped < 1024 * 1024) {
                int n = in.read(buf);
                if (n < 0) {
                    return true;
                }
                skipped += n;
            }
            return false;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (SocketException e) {
            // "Connection reset": closed, if less politely.
            return true;
        }
    }

    /** Reads at most {@code max} bytes that are already on their way, waiting {@code wait} at most. */
    public String readAvailable(int max, Duration wait) throws IOException {
        int old = socket.getSoTimeout();
        socket.setSoTimeout((int) wait.toMillis());
        try {
            byte[] buf = new byte[max];
            int n = in.read(buf);
            return n < 0 ? null : new String(buf, 0, n, StandardCharsets.ISO_8859_1);
        } catch (SocketTimeoutException e) {
            return "";
        } finally {
            socket.setSoTimeout(old);
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }

    private String readLine() throws IOException {
        return TestingWire.readLine(in);
    }

    private List<String[]> readHeaders() throws IOException {
        return TestingWire.readHeaders(in);
    }

    private static byte[] readAll(InputStream body, long max) throws IOException {
        return TestingWire.readAll(body, max);
    }

    /** A response as the client saw it. Header names keep the case they came with. */
    public record Response(String statusLine, String version, int status, List<String[]> headers, byte[] body) {
        Response withBody(byte[] newBody) {
            return new Response(statusLine, version, status, headers, newBody);
        }

        /** The first value of a header, by case-insensitive name; null when absent. */
        public String header(String name) {
            for (String[] h : headers) {
                if (h[0].equalsIgnoreCase(name)) {
                    return h[1];
                }
            }
            return null;
        }

        public List<String> headerNames() {
            return headers.stream().map(h -> h[0]).toList();
        }

        public String bodyText() {
            return body == null ? null : new String(body, StandardCharsets.UTF_8);
        }

        @Override
        public String toString() {
            StringBuilder sb = new StringBuilder(statusLine).append('\n');
            headers.forEach(h -> sb.append(h[0]).append(": ").append(h[1]).append('\n'));
            if (body != null) {
                sb.append('\n').append(body.length > 2000 ? body.length + " bytes" : bodyText());
            }
            return sb.toString();
        }
    }
}

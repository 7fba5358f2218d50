package dev.slb.proxy.testing;

import dev.slb.model.Backend;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.CRC32;

/**
 * A real HTTP/1.1 backend on 127.0.0.1 written on plain blocking sockets, one thread per
 * connection, so that what the proxy sends is seen byte for byte. It records every request head,
 * counts the connections it accepted, and behaves according to the path:
 *
 * <ul>
 *   <li>{@code /download?bytes=N[&chunked=false][&piece=P][&delayMs=D][&type=T][&encoding=E]}: N
 *       pattern bytes (see {@link TestingBodies}), chunked unless told otherwise, streamed P bytes
 *       at a time with D ms between pieces, never held in memory; Content-Type T (default
 *       application/octet-stream), and Content-Encoding E when given.
 *   <li>{@code /upload}: consumes a body of any size and answers {@code bytes=N crc=HEX} (also in
 *       {@code X-Body-Bytes} and {@code X-Body-Crc}).
 *   <li>{@code /slow?delayMs=D}: waits D ms before the response head, then echoes.
 *   <li>{@code /close}: reads the request and closes the connection without answering.
 *   <li>{@code /hold}: waits while {@link #holdRequests()} is in force, then echoes.
 *   <li>{@code /hop-response}: a response carrying hop-by-hop headers ({@code Connection: X-Secret},
 *       {@code X-Secret}, {@code Keep-Alive}, {@code Proxy-Connection}) beside an end-to-end one.
 *   <li>{@code /unframed?bytes=N}: N pattern bytes with neither Content-Length nor chunked; the end
 *       of the body is the end of the connection (RFC 9112 6.3, last rule).
 *   <li>{@code /bad-response}: a response with both Content-Length and Transfer-Encoding.
 *   <li>{@code /early-hints}: a 103 Early Hints with a Link header, then the echo.
 *   <li>{@code /reject}: 413 at once without reading the body, {@code Connection: close}; then,
 *       as a careful server does, it half-closes and reads the rest before closing (RFC 9112 9.6).
 *   <li>anything else: echoes the request (method, target, version, headers, body size) as text.
 * </ul>
 *
 * Every response carries {@code X-Backend: <name>}; a HEAD request gets the head of its echo; a
 * request with {@code Expect: 100-continue} gets a 100 Continue before its body is read.
 */
public final class TestingBackend implements AutoCloseable {
    private static final Duration MAX_WAIT = Duration.ofSeconds(60);

    private final String name;
    private final ServerSocket server;
    private final ExecutorService threads;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final AtomicInteger accepted = new AtomicInteger();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicLong downloadBytesWritten = new AtomicLong();
    private final ConcurrentLinkedQueue<Seen> seen = new ConcurrentLinkedQueue<>();
    private volatile CountDownLatch holdGate;
    private volatile UploadPause uploadPause;
    private volatile Duration closeIdleAfter;
    private volatile boolean closed;

    private TestingBackend(String name) throws IOException {
        this.name = name;
        this.server = new ServerSocket(0, 512, InetAddress.getByName(TestingPorts.LOOPBACK));
        this.threads = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "testing-backend-" + name);
            t.setDaemon(true);
            return t;
        });
        threads.execute(this::acceptLoop);
    }

    public static TestingBackend start(String name) {
        try {
            return new TestingBackend(name);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public String name() {
        return name;
    }

    public int port() {
        return server.getLocalPort();
    }

    /** This backend as a config entry. */
    public Backend backend(int weight) {
        return new Backend(TestingPorts.LOOPBACK, port(), weight);
    }

    public Backend backend() {
        return backend(Backend.DEFAULT_WEIGHT);
    }

    /** TCP connections accepted so far. */
    public int accepted() {
        return accepted.get();
    }

    /** Requests whose head has been read and whose response is not finished. */
    public int inFlight() {
        return inFlight.get();
    }

    /** Every request head seen so far, in arrival order. */
    public List<Seen> requests() {
        return List.copyOf(seen);
    }

    public int requestCount() {
        return seen.size();
    }

    /** Download body bytes handed to the socket so far, over all downloads (kernel buffers bound how far ahead of a reader this runs). */
    public long downloadBytesWritten() {
        return downloadBytesWritten.get();
    }

    /** From now on {@code /hold} requests wait until {@link #releaseHeld()}. */
    public void holdRequests() {
        holdGate = new CountDownLatch(1);
    }

    public void releaseHeld() {
        CountDownLatch g = holdGate;
        holdGate = null;
        if (g != null) {
            g.countDown();
        }
    }

    /** From now on, a connection that carries no new request for {@code idle} is closed (as servers with a keep-alive timeout do). */
    public void closeIdleConnectionsAfter(Duration idle) {
        closeIdleAfter = idle;
    }

    /** The next {@code /upload} stops reading after {@code bytes} body bytes until resumed. */
    public UploadPause pauseUploadAt(long bytes) {
        UploadPause p = new UploadPause(bytes);
        uploadPause = p;
        return p;
    }

    /** Waits until {@code n} requests have been seen; false if that took longer than {@code wait}. */
    public boolean awaitRequests(int n, Duration wait) throws InterruptedException {
        long deadline = System.nanoTime() + wait.toNanos();
        while (seen.size() < n) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(5);
        }
        return true;
    }

    /** Waits until {@code n} requests are in flight; false if that took longer than {@code wait}. */
    public boolean awaitInFlight(int n, Duration wait) throws InterruptedException {
        long deadline = System.nanoTime() + wait.toNanos();
        while (inFlight.get() < n) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(5);
        }
        return true;
    }

    @Override
    public void close() {
        closed = true;
        releaseHeld();
        UploadPause p = uploadPause;
        if (p != null) {
            p.resume();
        }
        try {
            server.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        open.forEach(TestingBackend::closeQuietly);
        threads.shutdownNow();
        try {
            threads.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return "backend " + name + " on port " + port();
    }

    // ---- serving ---------------------------------------------------------------------------------

    private void acceptLoop() {
        while (!closed) {
            Socket s;
            try {
                s = server.accept();
            } catch (IOException e) {
                return;
            }
            accepted.incrementAndGet();
            open.add(s);
            try {
                threads.execute(() -> serve(s));
            } catch (RuntimeException e) {
                closeQuietly(s);
            }
        }
    }

    private void serve(Socket s) {
        try (s) {
            s.setTcpNoDelay(true);
            InputStream in = new BufferedInputStream(s.getInputStream(), 64 * 1024);
            OutputStream out = new BufferedOutputStream(s.getOutputStream(), 64 * 1024);
            while (!closed) {
                Duration idle = closeIdleAfter;
                s.setSoTimeout(idle == null ? 0 : (int) idle.toMillis());
                String requestLine;
                try {
                    requestLine = TestingWire.readLine(in);
                } catch (java.net.SocketTimeoutException e) {
                    return;
                }
                s.setSoTimeout(0);
                if (requestLine == null) {
                    return;
                }
                List<String[]> headers = TestingWire.readHeaders(in);
                String[] parts = requestLine.split(" ", 3);
                if (parts.length != 3) {
                    respond(out, 400, "text/plain", "bad request line\n".getBytes(StandardCharsets.UTF_8), true);
                    return;
                }
                Seen request = new Seen(name, parts[0], parts[1], parts[2], List.copyOf(headers));
                seen.add(request);
                inFlight.incrementAndGet();
                boolean keepOpen;
                try {
                    keepOpen = handle(request, s, in, out);
                } finally {
                    inFlight.decrementAndGet();
                }
                if (!keepOpen || TestingWire.hasToken(headers, "Connection", "close")) {
                    return;
                }
            }
        } catch (IOException | RuntimeException e) {
            // The proxy went away mid-exchange; that is its right.
        } finally {
            open.remove(s);
        }
    }

    /** Serves one request; false when the connection must close after it. */
    private boolean handle(Seen request, Socket socket, InputStream in, OutputStream out) throws IOException {
        InputStream body = request.body(in);
        if ("100-continue".equalsIgnoreCase(request.header("Expect"))
                && !request.path().equals("/reject")) {
            out.write("HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
        }
        String path = request.path();
        Map<String, String> q = request.query();
        switch (path) {
            case "/download" -> {
                drain(body);
                long bytes = Long.parseLong(q.getOrDefault("bytes", "0"));
                boolean chunked = !"false".equals(q.get("chunked"));
                int piece = Integer.parseInt(q.getOrDefault("piece", "16384"));
                long delayMs = Long.parseLong(q.getOrDefault("delayMs", "0"));
                String extra = (q.containsKey("type") ? "" : "Content-Type: application/octet-stream\r\n")
                        + (q.containsKey("type") ? "Content-Type: " + q.get("type") + "\r\n" : "")
                        + (q.containsKey("encoding") ? "Content-Encoding: " + q.get("encoding") + "\r\n" : "");
                download(out, bytes, chunked, piece, delayMs, extra);
                return true;
            }
            case "/upload" -> {
                upload(body, out);
                return true;
            }
            case "/slow" -> {
                sleep(Long.parseLong(q.getOrDefault("delayMs", "1000")));
                echo(request, body, out);
                return true;
            }
            case "/close" -> {
                drain(body);
                return false;
            }
            case "/set-cookie" -> {
                // A backend with sessions of its own: it sets JSESSIONID, and says which Cookie it was sent.
                drain(body);
                String cookie = request.header("Cookie") == null ? "" : request.header("Cookie");
                byte[] content = ("cookie: " + cookie + "\n").getBytes(StandardCharsets.UTF_8);
                out.write(("HTTP/1.1 200 OK\r\nX-Backend: " + name + "\r\n"
                                + "Set-Cookie: JSESSIONID=" + name + "-session; Path=/; HttpOnly\r\n"
                                + "Content-Length: " + content.length + "\r\n\r\n")
                        .getBytes(StandardCharsets.ISO_8859_1));
                out.write(content);
                out.flush();
                return true;
            }
            case "/hop-response" -> {
                drain(body);
                byte[] content = "hop\n".getBytes(StandardCharsets.UTF_8);
                out.write(("HTTP/1.1 200 OK\r\nX-Backend: " + name + "\r\n"
                                + "Connection: X-Secret\r\nX-Secret: for-the-proxy-only\r\nKeep-Alive: timeout=5\r\n"
                                + "Proxy-Connection: keep-alive\r\nX-End-To-End: kept\r\n"
                                + "Content-Length: " + content.length + "\r\n\r\n")
                        .getBytes(StandardCharsets.ISO_8859_1));
                out.write(content);
                out.flush();
                return true;
            }
            case "/unframed" -> {
                drain(body);
                long bytes = Long.parseLong(q.getOrDefault("bytes", "1000"));
                out.write(
                        ("HTTP/1.1 200 OK\r\nX-Backend: " + name + "\r\nContent-Type: application/octet-stream\r\n\r\n")
                                .getBytes(StandardCharsets.ISO_8859_1));
                TestingBodies.write(out, bytes, 16384);
                out.flush();
                return false;
            }
            case "/bad-response" -> {
                drain(body);
                out.write(("HTTP/1.1 200 OK\r\nX-Backend: " + name + "\r\nContent-Length: 5\r\n"
                                + "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n")
                        .getBytes(StandardCharsets.ISO_8859_1));
                out.flush();
                return false;
            }
            case "/early-hints" -> {
                out.write("HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n"
                        .getBytes(StandardCharsets.ISO_8859_1));
                out.flush();
                echo(request, body, out);
                return true;
            }
            case "/reject" -> {
                byte[] content = "too big\n".getBytes(StandardCharsets.UTF_8);
                out.write(("HTTP/1.1 413 Content Too Large\r\nX-Backend: " + name + "\r\nConnection: close\r\n"
                                + "Content-Length: " + content.length + "\r\n\r\n")
                        .getBytes(StandardCharsets.ISO_8859_1));
                out.write(content);
                out.flush();
                socket.shutdownOutput();
                drainQuietly(socket, in, Duration.ofSeconds(10));
                return false;
            }
            case "/hold" -> {
                CountDownLatch g = holdGate;
                if (g != null) {
                    try {
                        g.await(MAX_WAIT.toMillis(), TimeUnit.MILLISECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return false;
                    }
                }
                echo(request, body, out);
                return true;
            }
            default -> {
                echo(request, body, out);
                return true;
            }
        }
    }

    private void echo(Seen request, InputStream body, OutputStream out) throws IOException {
        byte[] content = TestingWire.readAll(body, 16L * 1024 * 1024);
        StringBuilder sb = new StringBuilder(512)
                .append("backend: ")
                .append(name)
                .append('\n')
                .append("request: ")
                .append(request.method())
                .append(' ')
                .append(request.target())
                .append(' ')
                .append(request.version())
                .append('\n')
                .append("body-bytes: ")
                .append(content.length)
                .append('\n');
        for (String[] h : request.headers()) {
            sb.append("header: ").append(h[0]).append(": ").append(h[1]).append('\n');
        }
        if (content.length > 0 && content.length <= 4096) {
            sb.append("body: ")
                    .append(new String(content, StandardCharsets.UTF_8))
                    .append('\n');
        }
        byte[] bytes = sb.toString().getBytes(StandardCharsets.UTF_8);
        if (request.method().equals("HEAD")) {
            out.write(("HTTP/1.1 200 OK\r\nX-Backend: " + name + "\r\nContent-Type: text/plain; charset=utf-8\r\n"
                            + "Content-Length: " + bytes.length + "\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            return;
        }
        respond(out, 200, "text/plain; charset=utf-8", bytes, false);
    }

    private void download(OutputStream out, long bytes, boolean chunked, int piece, long delayMs, String headers)
            throws IOException {
        StringBuilder head = new StringBuilder("HTTP/1.1 200 OK\r\n")
                .append("X-Backend: ")
                .append(name)
                .append("\r\n")
                .append(headers);
        head.append(chunked ? "Transfer-Encoding: chunked\r\n" : "Content-Length: " + bytes + "\r\n")
                .append("\r\n");
        out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        byte[] buf = new byte[piece];
        long done = 0;
        while (done < bytes) {
            int n = (int) Math.min(piece, bytes - done);
            TestingBodies.fill(buf, n, done);
            if (chunked) {
                out.write((Integer.toHexString(n) + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
                out.write(buf, 0, n);
                out.write(CRLF);
            } else {
                out.write(buf, 0, n);
            }
            done += n;
            downloadBytesWritten.addAndGet(n);
            if (delayMs > 0) {
                out.flush();
                sleep(delayMs);
            }
        }
        if (chunked) {
            out.write("0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
        }
        out.flush();
    }

    private void upload(InputStream body, OutputStream out) throws IOException {
        UploadPause pause = uploadPause;
        CRC32 crc = new CRC32();
        byte[] buf = new byte[64 * 1024];
        long total = 0;
        int n;
        while ((n = body.read(
                        buf, 0, pause == null ? buf.length : (int) Math.min(buf.length, Math.max(1, pause.at - total))))
                >= 0) {
            crc.update(buf, 0, n);
            total += n;
            if (pause != null && total >= pause.at) {
                uploadPause = null;
                pause.reached.countDown();
                try {
                    pause.resumed.await(MAX_WAIT.toMillis(), TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted");
                }
                pause = null;
            }
        }
        String text = "bytes=" + total + " crc=" + Long.toHexString(crc.getValue()) + "\n";
        byte[] content = text.getBytes(StandardCharsets.UTF_8);
        String head = "HTTP/1.1 200 OK\r\n"
                + "X-Backend: " + name + "\r\n"
                + "X-Body-Bytes: " + total + "\r\n"
                + "X-Body-Crc: " + Long.toHexString(crc.getValue()) + "\r\n"
                + "Content-Type: text/plain\r\n"
                + "Content-Length: " + content.length + "\r\n\r\n";
        out.write(head.getBytes(StandardCharsets.ISO_8859_1));
        out.write(content);
        out.flush();
    }

    private void respond(OutputStream out, int status, String type, byte[] content, boolean close) throws IOException {
        String head = "HTTP/1.1 " + status + (status == 200 ? " OK" : " Error") + "\r\n"
                + "X-Backend: " + name + "\r\n"
                + "Content-Type: " + type + "\r\n"
                + "Content-Length: " + content.length + "\r\n"
                + (close ? "Connection: close\r\n" : "")
                + "\r\n";
        out.write(head.getBytes(StandardCharsets.ISO_8859_1));
        out.write(content);
        out.flush();
    }

    private static final byte[] CRLF = {'\r', '\n'};

    private static void drain(InputStream body) throws IOException {
        byte[] buf = new byte[64 * 1024];
        while (body.read(buf) >= 0) {
            // discard
        }
    }

    /** Reads and discards until end of stream or {@code limit}, whichever comes first. */
    private static void drainQuietly(Socket socket, InputStream in, Duration limit) {
        long deadline = System.nanoTime() + limit.toNanos();
        byte[] buf = new byte[64 * 1024];
        try {
            socket.setSoTimeout(200);
            while (System.nanoTime() < deadline) {
                try {
                    if (in.read(buf) < 0) {
                        return;
                    }
                } catch (java.net.SocketTimeoutException e) {
                    // keep waiting until the deadline
                }
            }
        } catch (IOException e) {
            // the peer is gone
        }
    }

    private static void sleep(long ms) throws IOException {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted");
        }
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }

    /** A request head as this backend read it off the wire; header names keep their case. */
    public record Seen(String backend, String method, String target, String version, List<String[]> headers) {
        public String header(String name) {
            return TestingWire.header(headers, name);
        }

        public boolean has(String name) {
            return header(name) != null;
        }

        public List<String> headerNames() {
            return headers.stream().map(h -> h[0]).toList();
        }

        public String path() {
            int q = target.indexOf('?');
            return q < 0 ? target : target.substring(0, q);
        }

        public Map<String, String> query() {
            Map<String, String> m = new HashMap<>();
            int q = target.indexOf('?');
            if (q >= 0) {
                for (String kv : target.substring(q + 1).split("&")) {
                    int eq = kv.indexOf('=');
                    String k = eq < 0 ? kv : kv.substring(0, eq);
                    String v = eq < 0 ? "" : kv.substring(eq + 1);
                    m.put(URLDecoder.decode(k, StandardCharsets.UTF_8), URLDecoder.decode(v, StandardCharsets.UTF_8));
                }
            }
            return m;
        }

        InputStream body(InputStream in) throws IOException {
            String te = header("Transfer-Encoding");
            if (te != null) {
                if (!te.toLowerCase(Locale.ROOT).endsWith("chunked")) {
                    throw new IOException("unsupported Transfer-Encoding " + te);
                }
                return TestingWire.chunkedBody(in);
            }
            String cl = header("Content-Length");
            return cl == null ? InputStream.nullInputStream() : TestingWire.lengthBody(in, Long.parseLong(cl.trim()));
        }

        @Override
        public String toString() {
            StringBuilder sb = new StringBuilder(method)
                    .append(' ')
                    .append(target)
                    .append(' ')
                    .append(version);
            headers.forEach(h -> sb.append("\n  ").append(h[0]).append(": ").append(h[1]));
            return sb.toString();
        }
    }

    /** A pause in the next upload, so a test can look at the proxy while the backend reads nothing. */
    public static final class UploadPause {
        private final long at;
        private final CountDownLatch reached = new CountDownLatch(1);
        private final CountDownLatch resumed = new CountDownLatch(1);

        UploadPause(long at) {
            this.at = at;
        }

        public boolean awaitReached(Duration wait) throws InterruptedException {
            return reached.await(wait.toMillis(), TimeUnit.MILLISECONDS);
        }

        public void resume() {
            resumed.countDown();
        }
    }
}

package dev.slb.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One HTTP/1.1 connection kept alive through a load balancer, as a browser holds one: a request on
 * it every second, so that the listener's keep-alive timeout (15 s by default) never ends it however
 * long a change takes, and the first failure kept. Bounded: at most {@link #MAX_REQUESTS} requests,
 * and it stops by itself after {@link #LIMIT}.
 */
final class KeptAliveConnection implements AutoCloseable {

    private static final Duration PAUSE = Duration.ofSeconds(1);
    private static final Duration LIMIT = Duration.ofMinutes(10);
    private static final int MAX_REQUESTS = 600;

    private final Socket socket = new Socket();
    private final AtomicInteger served = new AtomicInteger();
    private final Thread sender;
    private volatile String failure;
    private volatile boolean stopped;

    private KeptAliveConnection(String address) throws IOException {
        socket.connect(new InetSocketAddress(address, 80), 5000);
        socket.setSoTimeout(10_000);
        sender = new Thread(this::run, "kept-alive");
        sender.setDaemon(true);
    }

    /** Connects to port 80 of {@code address}, gets one answer, and goes on asking every second. */
    static KeptAliveConnection open(String address) throws Exception {
        KeptAliveConnection c = new KeptAliveConnection(address);
        c.sender.start();
        c.assertStillServes();
        return c;
    }

    private void run() {
        long deadline = System.nanoTime() + LIMIT.toNanos();
        try {
            OutputStream out = socket.getOutputStream();
            InputStream in = socket.getInputStream();
            for (int i = 0; i < MAX_REQUESTS && !stopped && System.nanoTime() < deadline; i++) {
                out.write("GET /keepalive HTTP/1.1\r\nHost: demo\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                String head = readHead(in);
                if (!head.startsWith("HTTP/1.1 200") || head.toLowerCase().contains("connection: close")) {
                    failure = "answer " + served.get() + " was: " + head;
                    return;
                }
                int length = Integer.parseInt(head.replaceAll("(?is).*content-length:\\s*(\\d+).*", "$1"));
                if (in.readNBytes(length).length != length) {
                    failure = "answer " + served.get() + " was cut short";
                    return;
                }
                served.incrementAndGet();
                Thread.sleep(PAUSE.toMillis());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            if (!stopped) {
                failure = "after " + served.get() + " answers: " + e;
            }
        }
    }

    /** Reads an HTTP/1.1 response head, up to and with its blank line. */
    static String readHead(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int c = in.read();
            if (c < 0) {
                throw new IOException("connection closed after: " + head);
            }
            head.append((char) c);
        }
        return head.toString();
    }

    /** Waits (at most 15 s) for one more answer on it, and asserts that none failed and it is still open. */
    void assertStillServes() throws InterruptedException {
        int before = served.get();
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (served.get() <= before && failure == null && System.nanoTime() < until) {
            Thread.sleep(50);
        }
        assertThat(failure).as("the kept-alive connection").isNull();
        assertThat(served.get()).as("answers on the kept-alive connection").isGreaterThan(before);
    }

    @Override
    public void close() throws Exception {
        stopped = true;
        socket.close();
        sender.join(TimeUnit.SECONDS.toMillis(15));
    }
}

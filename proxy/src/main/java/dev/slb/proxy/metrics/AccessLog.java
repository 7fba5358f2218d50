package dev.slb.proxy.metrics;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.OutputStream;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The access log of the listeners that have {@code accessLog} on: one JSON object per line, on standard output, per
 * HTTP request and per WebSocket or TCP connection at its close. An event loop only puts a {@link Line} on a bounded
 * queue ({@code offer}, never a wait); one thread of its own writes them, and when the queue is full the line is
 * dropped and counted ({@code slb_access_log_dropped_total}), so a slow standard output never stalls traffic. Lines are
 * written with Jackson's streaming generator (already on the classpath through the model), which escapes what a client
 * sends (a request target, an address) correctly without a hand-written escaper.
 */
public final class AccessLog implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AccessLog.class);
    private static final JsonFactory JSON = new JsonFactory();

    /** Lines waiting for the writer: about a second of a busy replica's requests, a few MB at most. */
    static final int CAPACITY = 16 * 1024;

    /** What one line says; {@code null} (or -1 for a number) leaves a field out. */
    public record Line(
            String type,
            long endedMillis,
            String client,
            String listener,
            String backend,
            long durationNanos,
            long bytesIn,
            long bytesOut,
            String method,
            String target,
            int status,
            long framesIn,
            long framesOut,
            int closeCode,
            String initiator) {
        public static Line http(
                String client,
                String listener,
                String backend,
                long durationNanos,
                long bytesIn,
                long bytesOut,
                String method,
                String target,
                int status) {
            return new Line(
                    "http",
                    System.currentTimeMillis(),
                    client,
                    listener,
                    backend,
                    durationNanos,
                    bytesIn,
                    bytesOut,
                    method,
                    target,
                    status,
                    -1,
                    -1,
                    -1,
                    null);
        }

        public static Line stream(
                String type,
                String client,
                String listener,
                String backend,
                long durationNanos,
                long bytesIn,
                long bytesOut,
                long framesIn,
                long framesOut,
                int closeCode,
                String initiator) {
            return new Line(
                    type,
                    System.currentTimeMillis(),
                    client,
                    listener,
                    backend,
                    durationNanos,
                    bytesIn,
                    bytesOut,
                    null,
                    null,
                    -1,
                    framesIn,
                    framesOut,
                    closeCode,
                    initiator);
        }
    }

    private final OutputStream out;
    private final Runnable dropped;
    private final BlockingQueue<Line> queue = new ArrayBlockingQueue<>(CAPACITY);
    private final Thread writer;
    private volatile boolean started;
    private volatile boolean closed;

    /** Writes to {@code out} (standard output in the proxy); {@code dropped} counts a line the full queue refused. */
    public AccessLog(OutputStream out, Runnable dropped) {
        this.out = out;
        this.dropped = dropped;
        this.writer = new Thread(this::writeLoop, "slb-access-log");
        writer.setDaemon(true);
    }

    /** Queues a line; never waits. */
    public void log(Line line) {
        if (!started) {
            start();
        }
        if (!queue.offer(line)) {
            dropped.run();
        }
    }

    private synchronized void start() {
        // Only a replica with an access log on has the thread.
        if (!started && !closed) {
            writer.start();
            started = true;
        }
    }

    private void writeLoop() {
        List<Line> batch = new ArrayList<>(256);
        StringWriter text = new StringWriter(4096);
        while (!closed || !queue.isEmpty()) {
            try {
                Line first = queue.poll(100, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                batch.add(first);
                queue.drainTo(batch, 255);
                text.getBuffer().setLength(0);
                for (Line l : batch) {
                    write(text, l);
                }
                batch.clear();
                out.write(text.toString().getBytes(StandardCharsets.UTF_8));
                out.flush();
            } catch (InterruptedException e) {
                if (closed) {
                    break;
                }
            } catch (IOException | RuntimeException e) {
                batch.clear();
                log.warn("access log: lines could not be written: {}", e.toString());
            }
        }
    }

    static void write(StringWriter text, Line l) throws IOException {
        try (JsonGenerator g = JSON.createGenerator(text)) {
            g.writeStartObject();
            g.writeStringField("time", Instant.ofEpochMilli(l.endedMillis()).toString());
            g.writeStringField("type", l.type());
            g.writeStringField("client", l.client());
            g.writeStringField("listener", l.listener());
            if (l.backend() != null) {
                g.writeStringField("backend", l.backend());
            }
            if (l.method() != null) {
                g.writeStringField("method", l.method());
                g.writeStringField("target", l.target());
            }
            if (l.status() >= 0) {
                g.writeNumberField("status", l.status());
            }
            g.writeNumberField("durationSeconds", l.durationNanos() / 1e9);
            if (l.bytesIn() >= 0) {
                g.writeNumberField("bytesIn", l.bytesIn());
                g.writeNumberField("bytesOut", l.bytesOut());
            }
            if (l.framesIn() >= 0) {
                g.writeNumberField("framesIn", l.framesIn());
                g.writeNumberField("framesOut", l.framesOut());
            }
            if (l.initiator() != null) {
                g.writeStringField("initiator", l.initiator());
                if (l.closeCode() >= 0) {
                    g.writeNumberField("closeCode", l.closeCode());
                }
            }
            g.writeEndObject();
        }
        text.write('\n');
    }

    /** Writes what is queued (within a second) and stops the writer. */
    @Override
    public void close() {
        closed = true;
        if (started) {
            try {
                writer.join(1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}

package dev.slb.proxy.testing;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * HTTP/1.1 framing read by hand (lines, header sections, chunked and Content-Length bodies), for
 * the test client and the test backend. Strict where the proxy must be correct, loud otherwise.
 */
public final class TestingWire {
    public static final int MAX_LINE_BYTES = 256 * 1024;

    private TestingWire() {}

    /** One line without its CRLF (or bare LF); null at end of stream before any byte. */
    public static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream(128);
        int c;
        while ((c = in.read()) >= 0) {
            if (c == '\n') {
                byte[] b = line.toByteArray();
                int len = b.length > 0 && b[b.length - 1] == '\r' ? b.length - 1 : b.length;
                return new String(b, 0, len, StandardCharsets.ISO_8859_1);
            }
            line.write(c);
            if (line.size() > MAX_LINE_BYTES) {
                throw new IOException("line longer than " + MAX_LINE_BYTES + " bytes");
            }
        }
        if (line.size() == 0) {
            return null;
        }
        throw new EOFException("the connection closed inside a line: " + line.toString(StandardCharsets.ISO_8859_1));
    }

    /** A header section up to its empty line; each entry is {name, value} with the name's case kept. */
    public static List<String[]> readHeaders(InputStream in) throws IOException {
        List<String[]> headers = new ArrayList<>();
        String line;
        while ((line = readLine(in)) != null && !line.isEmpty()) {
            int colon = line.indexOf(':');
            if (colon <= 0) {
                throw new IOException("not a header line: " + line);
            }
            headers.add(new String[] {
                line.substring(0, colon).trim(), line.substring(colon + 1).trim()
            });
            if (headers.size() > 1000) {
                throw new IOException("more than 1000 header lines");
            }
        }
        if (line == null) {
            throw new EOFException("the connection closed inside a header section");
        }
        return headers;
    }

    /** The first value of a header, by case-insensitive name; null when absent. */
    public static String header(List<String[]> headers, String name) {
        for (String[] h : headers) {
            if (h[0].equalsIgnoreCase(name)) {
                return h[1];
            }
        }
        return null;
    }

    /** True when a comma-separated header (any of its lines) holds {@code token}, case-insensitively. */
    public static boolean hasToken(List<String[]> headers, String name, String token) {
        for (String[] h : headers) {
            if (h[0].equalsIgnoreCase(name)) {
                for (String t : h[1].split(",")) {
                    if (t.trim().equalsIgnoreCase(token)) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    /** Reads a body of exactly {@code length} bytes. */
    public static InputStream lengthBody(InputStream in, long length) {
        return new InputStream() {
            private long left = length;

            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (left == 0) {
                    return -1;
                }
                int n = in.read(b, off, (int) Math.min(len, left));
                if (n < 0) {
                    throw new EOFException("the body ended " + left + " bytes short of its Content-Length");
                }
                left -= n;
                return n;
            }

            @Override
            public void close() {
                // The connection underneath stays open.
            }
        };
    }

    /** Reads a chunked body, trailers included, and stops after the last chunk. */
    public static InputStream chunkedBody(InputStream in) {
        return new InputStream() {
            private long chunkLeft;
            private boolean done;

            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (done) {
                    return -1;
                }
                if (chunkLeft == 0) {
                    String sizeLine = readLine(in);
                    if (sizeLine == null) {
                        throw new EOFException("the connection closed before the last chunk");
                    }
                    int semi = sizeLine.indexOf(';');
                    chunkLeft = Long.parseLong((semi < 0 ? sizeLine : sizeLine.substring(0, semi)).trim(), 16);
                    if (chunkLeft == 0) {
                        readHeaders(in); // trailers
                        done = true;
                        return -1;
                    }
                }
                int n = in.read(b, off, (int) Math.min(len, chunkLeft));
                if (n < 0) {
                    throw new EOFException("the connection closed inside a chunk");
                }
                chunkLeft -= n;
                if (chunkLeft == 0) {
                    String crlf = readLine(in);
                    if (crlf == null || !crlf.isEmpty()) {
                        throw new IOException("a chunk does not end with CRLF");
                    }
                }
                return n;
            }

            @Override
            public void close() {
                // The connection underneath stays open.
            }
        };
    }

    /** Reads a stream to its end, failing past {@code max} bytes. */
    public static byte[] readAll(InputStream body, long max) throws IOException {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        byte[] b = new byte[16 * 1024];
        int n;
        while ((n = body.read(b)) >= 0) {
            buf.write(b, 0, n);
            if (buf.size() > max) {
                throw new IOException("body larger than " + max + " bytes");
            }
        }
        return buf.toByteArray();
    }
}

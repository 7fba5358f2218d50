package dev.slb.proxy.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slb.model.Listener;
import dev.slb.model.Protocol;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The client codec (the byte-level syntax check, then Netty's decoder) as a parser, on generated
 * input from fixed seeds: valid requests come out as they went in wherever the reads are cut;
 * garbage and damaged requests are refused, never half-parsed, never passed on with a control
 * byte, and leak nothing. A failure names the seed of its case, so it replays alone.
 */
class RequestParserPropertiesTest {
    private static final Listener LISTENER = Listener.of("web", Protocol.HTTP, 8080, List.of());
    private static final String[] METHODS = {"GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "PURGE", "x-Custom_1"};
    private static final String TARGET_CHARS = "abcxyzABC0189-._~!$&'()*+,;=:@%/?";
    private static final String NAME_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJ0123456789!#$%&'*+-.^_`|~";
    private static final List<String> FRAMING_NAMES =
            List.of("host", "content-length", "transfer-encoding", "upgrade", "connection", "expect");

    /** One request as generated: what the decoder must hand on. */
    record Generated(String method, String target, List<String[]> headers, byte[] body, boolean chunked) {
        byte[] wire() {
            StringBuilder head = new StringBuilder(method + " " + target + " HTTP/1.1\r\nHost: h.example\r\n");
            for (String[] h : headers) {
                head.append(h[0]).append(": ").append(h[1]).append("\r\n");
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            if (body.length == 0) {
                out.writeBytes(latin1(head + "\r\n"));
            } else if (!chunked) {
                out.writeBytes(latin1(head + "Content-Length: " + body.length + "\r\n\r\n"));
                out.writeBytes(body);
            } else {
                out.writeBytes(latin1(head + "Transfer-Encoding: chunked\r\n\r\n"));
                for (int at = 0; at < body.length; ) {
                    int n = Math.min(body.length - at, 1 + (at * 7 + body.length) % 50);
                    out.writeBytes(latin1(Integer.toHexString(n) + (at % 3 == 0 ? ";ext=v" : "") + "\r\n"));
                    out.write(body, at, n);
                    out.writeBytes(latin1("\r\n"));
                    at += n;
                }
                out.writeBytes(latin1("0\r\n\r\n"));
            }
            return out.toByteArray();
        }
    }

    /** What the codec handed on for one request. */
    record Parsed(HttpRequest head, byte[] body) {}

    static Generated request(Random r) {
        String method = METHODS[r.nextInt(METHODS.length)];
        String target = "/" + string(r, TARGET_CHARS, 0, 40);
        List<String[]> headers = new ArrayList<>();
        for (int i = r.nextInt(31); i > 0; i--) {
            String name = string(r, NAME_CHARS, 1, 20);
            if (FRAMING_NAMES.contains(name.toLowerCase())) {
                continue;
            }
            // Visible ASCII, obs-text and inner whitespace; none at the ends, which the decoder trims (RFC 9110 5.5).
            StringBuilder v = new StringBuilder();
            for (int n = r.nextInt(31); n > 0; n--) {
                int k = r.nextInt(100);
                v.append(k < 90 ? (char) ('!' + r.nextInt(94)) : k < 94 ? ' ' : k < 97 ? '\t' : k < 99 ? 'é' : 'ü');
            }
            headers.add(new String[] {name, v.toString().strip()});
        }
        byte[] body = new byte[r.nextInt(4) == 0 ? 0 : r.nextInt(301)];
        r.nextBytes(body);
        return new Generated(method, target, headers, body, r.nextBoolean());
    }

    @Test
    void validRequestsComeOutAsTheyWentInWhereverTheReadsAreCut() {
        for (long seed = 16_000; seed < 16_100; seed++) {
            Random r = new Random(seed);
            List<Generated> requests = new ArrayList<>();
            for (int n = 1 + r.nextInt(4); n > 0; n--) {
                requests.add(request(r));
            }
            int cut = 1 + r.nextInt(97);
            ByteArrayOutputStream wire = new ByteArrayOutputStream();
            requests.forEach(g -> wire.writeBytes(g.wire()));
            List<Parsed> parsed = parse(wire.toByteArray(), cut);
            String seedText = "seed " + seed;
            assertThat(parsed).as(seedText).hasSameSizeAs(requests);
            for (int i = 0; i < requests.size(); i++) {
                Generated g = requests.get(i);
                HttpRequest h = parsed.get(i).head();
                assertThat(h.decoderResult().isSuccess())
                        .as("%s, request %d: %s", seedText, i, h.decoderResult())
                        .isTrue();
                assertThat(h.method().name()).as(seedText).isEqualTo(g.method());
                assertThat(h.uri()).as(seedText).isEqualTo(g.target());
                List<String> seen = new ArrayList<>();
                h.headers().forEach(e -> {
                    if (!FRAMING_NAMES.contains(e.getKey().toLowerCase())) {
                        seen.add(e.getKey() + ": " + e.getValue());
                    }
                });
                assertThat(seen)
                        .as(seedText)
                        .containsExactlyElementsOf(g.headers().stream()
                                .map(x -> x[0] + ": " + x[1])
                                .toList());
                assertThat(parsed.get(i).body()).as(seedText).isEqualTo(g.body());
                assertThat(RequestHead.read(h).refusal())
                        .as("%s: a generated request is servable", seedText)
                        .isNull();
            }
        }
    }

    @Test
    void aControlByteInTheRequestLineOrAHeaderIsRefusedNeverPassedOn() {
        for (long seed = 17_000; seed < 17_300; seed++) {
            Random r = new Random(seed);
            Generated request = request(r);
            int control = r.nextInt(33);
            if (control == '\t' || control == '\r' || control == '\n' || control == 32) {
                control = 0x7F;
            }
            byte[] wire = request.wire();
            int headEnd = indexOf(wire, latin1("\r\n\r\n"));
            // Anywhere after the method's space and before the end of the head.
            int from = request.method().length() + 1;
            int at = from + r.nextInt(headEnd - from);
            byte[] damaged = new byte[wire.length + 1];
            System.arraycopy(wire, 0, damaged, 0, at);
            damaged[at] = (byte) control;
            System.arraycopy(wire, at, damaged, at + 1, wire.length - at);
            List<Parsed> parsed = parse(damaged, 1 + r.nextInt(40));
            assertThat(parsed).as("seed %d", seed).hasSize(1);
            assertThat(parsed.get(0).head().decoderResult().isFailure())
                    .as("seed %d: 0x%02x at %d of %s", seed, control, at, escaped(damaged))
                    .isTrue();
        }
    }

    @Test
    void aHeaderLineFoldedOntoThePreviousOneIsRefused() {
        for (long seed = 18_000; seed < 18_200; seed++) {
            Random r = new Random(seed);
            String wire = new String(request(r).wire(), StandardCharsets.ISO_8859_1);
            // After the request line or after any header line.
            int line = wire.indexOf("\r\n") + 2;
            for (int skip = r.nextInt(3);
                    skip > 0 && wire.indexOf("\r\n", line) + 2 < wire.indexOf("\r\n\r\n");
                    skip--) {
                line = wire.indexOf("\r\n", line) + 2;
            }
            String folded =
                    wire.substring(0, line) + (r.nextBoolean() ? "\t" : " ") + "folded\r\n" + wire.substring(line);
            List<Parsed> parsed = parse(latin1(folded), 1 + r.nextInt(20));
            assertThat(parsed).as("seed %d", seed).hasSize(1);
            assertThat(parsed.get(0).head().decoderResult().isFailure())
                    .as("seed %d: %s", seed, folded)
                    .isTrue();
        }
    }

    @Test
    void anyBytesAreParsedOrRefusedAndNothingFollowsARefusal() {
        for (long seed = 19_000; seed < 19_500; seed++) {
            Random r = new Random(seed);
            byte[] noise = noise(r, 400);
            List<Parsed> parsed = parse(noise, 1 + r.nextInt(64));
            for (int i = 0; i < parsed.size(); i++) {
                if (parsed.get(i).head().decoderResult().isFailure()) {
                    assertThat(parsed).as("seed %d: %s", seed, escaped(noise)).hasSize(i + 1);
                }
            }
        }
    }

    @Test
    void whatFollowsNoiseIsRefusedWithItOrParsedWithoutAControlByte() {
        for (long seed = 20_000; seed < 20_200; seed++) {
            Random r = new Random(seed);
            ByteArrayOutputStream wire = new ByteArrayOutputStream();
            wire.writeBytes(noise(r, 40));
            wire.writeBytes(request(r).wire());
            for (Parsed p : parse(wire.toByteArray(), 1 + r.nextInt(20))) {
                if (p.head().decoderResult().isSuccess()) {
                    assertThat(p.head().uri()).as("seed %d", seed).doesNotContainPattern("[\\x00-\\x1f\\x7f ]");
                    assertThat(p.head().method().name()).as("seed %d", seed).matches("[!#$%&'*+\\-.^_`|~0-9A-Za-z]+");
                    assertThat(p.head().headers().names())
                            .as("seed %d", seed)
                            .allSatisfy(n -> assertThat(n).doesNotContainPattern("[\\x00-\\x20\\x7f:]"));
                }
            }
        }
    }

    /** Feeds {@code wire} in reads of {@code cut} bytes through a listener's codec and collects what comes out. */
    static List<Parsed> parse(byte[] wire, int cut) {
        EmbeddedChannel ch = new EmbeddedChannel(RequestHead.codec(LISTENER));
        List<ByteBuf> fed = new ArrayList<>();
        List<Parsed> parsed = new ArrayList<>();
        HttpRequest head = null;
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        for (int at = 0; at < wire.length && ch.isOpen(); at += cut) {
            ByteBuf b = Unpooled.copiedBuffer(wire, at, Math.min(cut, wire.length - at));
            fed.add(b);
            ch.writeInbound(b);
            for (Object o; (o = ch.readInbound()) != null; ) {
                try {
                    assertThat(o).isInstanceOf(HttpObject.class);
                    if (o instanceof HttpRequest req) {
                        if (head != null) {
                            parsed.add(new Parsed(head, body.toByteArray()));
                        }
                        head = req;
                        body.reset();
                    }
                    if (o instanceof HttpContent c) {
                        body.writeBytes(ByteBufUtil.getBytes(c.content()));
                        if (c instanceof LastHttpContent && head != null) {
                            parsed.add(new Parsed(head, body.toByteArray()));
                            head = null;
                            body.reset();
                        }
                    }
                } finally {
                    ReferenceCountUtil.release(o);
                }
            }
        }
        if (head != null) {
            parsed.add(new Parsed(head, body.toByteArray()));
        }
        // Leftovers at the end of the input are allowed (a head cut short); anything unreleased is not.
        ch.finishAndReleaseAll();
        assertThat(fed).allSatisfy(b -> assertThat(b.refCnt()).isZero());
        return parsed;
    }

    /** Bytes that are mostly what HTTP is made of, so they get past the first byte often enough to matter. */
    private static byte[] noise(Random r, int max) {
        String alphabet =
                "GET POST / HTTP/1.1\r\n\r\nHost: h\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n0\r\n";
        byte[] out = new byte[r.nextInt(max + 1)];
        for (int i = 0; i < out.length; i++) {
            out[i] = r.nextInt(3) == 0 ? (byte) r.nextInt(256) : (byte) alphabet.charAt(r.nextInt(alphabet.length()));
        }
        return out;
    }

    private static String string(Random r, String chars, int min, int max) {
        StringBuilder sb = new StringBuilder();
        for (int n = min + r.nextInt(max - min + 1); n > 0; n--) {
            sb.append(chars.charAt(r.nextInt(chars.length())));
        }
        return sb.toString();
    }

    private static byte[] latin1(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    private static String escaped(byte[] b) {
        return HexFormat.of().formatHex(b);
    }

    private static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}

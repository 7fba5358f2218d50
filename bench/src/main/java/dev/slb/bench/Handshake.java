package dev.slb.bench;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * The client half of the RFC 6455 opening handshake: a fresh Sec-WebSocket-Key per connection and
 * the check of the server's 101 answer. One instance per event loop; it is not thread-safe.
 */
final class Handshake {
    static final String GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    /** A 101 answer longer than this is refused rather than buffered. */
    static final int MAX_RESPONSE_HEAD = 8192;

    private final MessageDigest sha1;
    private final SplittableRandom random = new SplittableRandom();
    private final byte[] nonce = new byte[16];

    Handshake() {
        try {
            sha1 = MessageDigest.getInstance("SHA-1");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java has SHA-1", e);
        }
    }

    String newKey() {
        for (int i = 0; i < nonce.length; i++) {
            nonce[i] = (byte) random.nextInt(256);
        }
        return Base64.getEncoder().encodeToString(nonce);
    }

    /** The Sec-WebSocket-Accept a server must answer to {@code key}. */
    String accept(String key) {
        sha1.reset();
        return Base64.getEncoder().encodeToString(sha1.digest((key + GUID).getBytes(StandardCharsets.US_ASCII)));
    }

    static ByteBuf request(ByteBufAllocator alloc, WsTarget target, String key) {
        String head = "GET " + target.path() + " HTTP/1.1\r\n"
                + "Host: " + target.hostHeader() + "\r\n"
                + "Upgrade: websocket\r\n"
                + "Connection: Upgrade\r\n"
                + "Sec-WebSocket-Key: " + key + "\r\n"
                + "Sec-WebSocket-Version: 13\r\n"
                + "\r\n";
        ByteBuf buf = alloc.buffer(head.length());
        buf.writeCharSequence(head, StandardCharsets.US_ASCII);
        return buf;
    }

    /**
     * Checks a response head (status line and headers, without the blank line): null when it is a
     * 101 that upgrades to WebSocket with the expected accept value, else what is wrong.
     */
    static String check(String head, String expectedAccept) {
        String[] lines = head.split("\r\n");
        String[] status = lines[0].split(" ", 3);
        if (status.length < 2 || !status[0].startsWith("HTTP/1.") || !status[1].equals("101")) {
            return "upgrade refused: " + lines[0];
        }
        String upgrade = null;
        String accept = null;
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            if (colon <= 0) {
                continue;
            }
            String name = lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT);
            String value = lines[i].substring(colon + 1).trim();
            if (name.equals("upgrade")) {
                upgrade = value;
            } else if (name.equals("sec-websocket-accept")) {
                accept = value;
            }
        }
        if (upgrade == null || !upgrade.equalsIgnoreCase("websocket")) {
            return "101 without Upgrade: websocket (Upgrade: " + upgrade + ")";
        }
        if (!expectedAccept.equals(accept)) {
            return "101 with Sec-WebSocket-Accept " + accept + ", expected " + expectedAccept;
        }
        return null;
    }
}

package dev.slb.proxy.routing;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The opaque tag a sticky-session cookie carries for a backend: the first 64 bits of an
 * HMAC-SHA256 of {@code address:port} under the listener's key, in hex. Equal keys give equal tags on
 * every replica (nothing is shared but the config), and the tag does not reveal the address: without
 * the key, it cannot be told which address a tag belongs to. Written here on top of the JDK's HMAC
 * because the choice of input and length is the product's own contract.
 */
public final class StickyTags {
    /** Hex characters in a tag. */
    public static final int LENGTH = 16;
    /** What separates the tag from the backend's own value in a rewritten (Server mode) cookie. */
    public static final char SEPARATOR = '~';

    private StickyTags() {}

    public static String tag(String key, String address, int port) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            byte[] h = mac.doFinal((address + ":" + port).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(h, 0, LENGTH / 2);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every Java runtime", e);
        }
    }

    /** Server mode: the backend's cookie value with the tag before it. */
    public static String prefixed(String tag, String value) {
        return tag + SEPARATOR + value;
    }

    /** Server mode: the tag at the start of a cookie value, or null when it carries none. */
    public static String tagOf(String value) {
        return value != null && value.length() > LENGTH && value.charAt(LENGTH) == SEPARATOR
                ? value.substring(0, LENGTH)
                : null;
    }

    /** Server mode: the backend's own value, without the tag (the value itself when it carries none). */
    public static String unprefixed(String value) {
        return tagOf(value) == null ? value : value.substring(LENGTH + 1);
    }
}

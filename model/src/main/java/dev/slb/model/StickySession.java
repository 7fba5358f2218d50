package dev.slb.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.time.Duration;

/**
 * Keeps a client on one backend of an HTTP/HTTPS listener through a cookie that names the backend by
 * an opaque tag: a keyed hash of its address and port, the same on every replica that has the same
 * key, so any replica reads it alike with nothing shared between them, and never the address itself.
 *
 * @param type          INSERT: the proxy sets its own cookie; SERVER: the backend's own cookie carries
 *                      the tag before its value ({@code tag~value}), which the proxy strips on the way in
 * @param cookie        INSERT: the cookie's name (default {@value #DEFAULT_INSERT_COOKIE}); SERVER: the
 *                      name of the backend's cookie to rewrite (required)
 * @param cookieTimeout INSERT: the cookie's Max-Age, 1 s to 1 day (default 1000 s)
 * @param key           the key of the keyed hash; every replica of one LoadBalancer is given the same
 *                      (the operator writes the LoadBalancer's uid), so tags agree across replicas
 * @param sameSite      INSERT: the cookie's SameSite attribute; absent means {@link SameSite#LAX}, so
 *                      configs that do not change it read the same to a proxy that predates it
 */
@JsonPropertyOrder({"type", "cookie", "cookieTimeout", "key", "sameSite"})
@JsonInclude(JsonInclude.Include.NON_NULL)
public record StickySession(Type type, String cookie, Duration cookieTimeout, String key, SameSite sameSite) {
    public static final String DEFAULT_INSERT_COOKIE = "SERVERID";
    public static final Duration DEFAULT_COOKIE_TIMEOUT = Duration.ofSeconds(1000);
    public static final Duration MAX_COOKIE_TIMEOUT = Duration.ofSeconds(86_400);
    /** An RFC 6265 cookie name (a token), at most 64 characters. */
    public static final String COOKIE_NAME_PATTERN = "^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,64}$";

    /** Who sets the cookie that carries the backend's tag. */
    public enum Type {
        INSERT,
        SERVER
    }

    /** The Insert cookie's SameSite attribute (RFC 6265bis 5.4.7); NONE is for HTTPS listeners only. */
    public enum SameSite {
        LAX,
        STRICT,
        NONE
    }

    /** A session whose Insert cookie is SameSite=Lax. */
    public StickySession(Type type, String cookie, Duration cookieTimeout, String key) {
        this(type, cookie, cookieTimeout, key, null);
    }

    /** The SameSite attribute the Insert cookie carries. */
    public SameSite effectiveSameSite() {
        return sameSite == null ? SameSite.LAX : sameSite;
    }

    public StickySession {
        type = type == null ? Type.INSERT : type;
        cookie = cookie == null && type == Type.INSERT ? DEFAULT_INSERT_COOKIE : cookie;
        cookieTimeout = cookieTimeout == null && type == Type.INSERT ? DEFAULT_COOKIE_TIMEOUT : cookieTimeout;
        // Lax is written as absent: a config that keeps the default is unchanged for earlier proxies.
        sameSite = sameSite == SameSite.LAX ? null : sameSite;
    }
}

package dev.slb.proxy.http;

import dev.slb.model.Protocol;
import dev.slb.model.StickySession;
import dev.slb.proxy.core.ListenerRuntime;
import dev.slb.proxy.routing.StickyTags;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.cookie.ClientCookieDecoder;
import io.netty.handler.codec.http.cookie.Cookie;
import io.netty.handler.codec.http.cookie.CookieHeaderNames;
import io.netty.handler.codec.http.cookie.DefaultCookie;
import io.netty.handler.codec.http.cookie.ServerCookieDecoder;
import io.netty.handler.codec.http.cookie.ServerCookieEncoder;
import java.util.List;

/**
 * Sticky sessions on the request path: which backend a request's cookie names, and the cookie the
 * response carries so the next request comes back to the backend that answered. Only called on
 * listeners with a sticky session; Netty's cookie codecs read and write the headers.
 */
final class StickySessions {
    private StickySessions() {}

    /**
     * The backend the request's cookie names, when it can take the request (else -1: scheduled anew,
     * and the cookie is set again). In Server mode the tag is stripped from the cookie here, so the
     * backend sees its own value.
     */
    static int pinned(ListenerRuntime runtime, HttpRequest request) {
        StickySession sticky = runtime.config().stickySession();
        String name = cookieName(runtime);
        HttpHeaders headers = request.headers();
        List<String> lines = headers.getAll(HttpHeaderNames.COOKIE);
        if (lines.isEmpty()) {
            return -1;
        }
        String tag = null;
        for (String line : lines) {
            for (Cookie c : ServerCookieDecoder.LAX.decodeAll(line)) {
                if (c.name().equals(name)) {
                    tag = sticky.type() == StickySession.Type.INSERT ? c.value() : StickyTags.tagOf(c.value());
                }
            }
        }
        if (tag != null && sticky.type() == StickySession.Type.SERVER) {
            headers.remove(HttpHeaderNames.COOKIE);
            for (String line : lines) {
                headers.add(HttpHeaderNames.COOKIE, stripTag(line, sticky.cookie()));
            }
        }
        return runtime.stickyBackend(tag);
    }

    /**
     * Marks the response of {@code backend}: Insert sets the proxy's cookie unless the request already
     * named that backend; Server puts the backend's tag before the value of the backend's own cookie.
     */
    static void mark(ListenerRuntime runtime, HttpResponse response, int backend, int pinned) {
        StickySession sticky = runtime.config().stickySession();
        String tag = runtime.stickyTag(backend);
        HttpHeaders headers = response.headers();
        if (sticky.type() == StickySession.Type.INSERT) {
            if (backend != pinned) {
                DefaultCookie c = new DefaultCookie(cookieName(runtime), tag);
                c.setPath("/");
                c.setHttpOnly(true);
                c.setMaxAge(sticky.cookieTimeout().toSeconds());
                // Only where this hop is HTTPS: a Secure cookie is never sent back over plain HTTP, and an
                // HTTP listener cannot tell a client that spoke HTTPS to a load balancer in front of it.
                c.setSecure(runtime.config().protocol() == Protocol.HTTPS);
                c.setSameSite(
                        switch (sticky.effectiveSameSite()) {
                            case LAX -> CookieHeaderNames.SameSite.Lax;
                            case STRICT -> CookieHeaderNames.SameSite.Strict;
                            case NONE -> CookieHeaderNames.SameSite.None;
                        });
                headers.add(HttpHeaderNames.SET_COOKIE, ServerCookieEncoder.STRICT.encode(c));
            }
            return;
        }
        List<String> setCookies = new java.util.ArrayList<>(headers.getAll(HttpHeaderNames.SET_COOKIE));
        for (int i = 0; i < setCookies.size(); i++) {
            String line = setCookies.get(i);
            Cookie c = ClientCookieDecoder.LAX.decode(line);
            if (c != null && c.name().equals(sticky.cookie())) {
                setCookies.set(i, prefixValue(line, sticky.cookie(), c.value(), tag));
            }
        }
        if (!setCookies.isEmpty()) {
            headers.set(HttpHeaderNames.SET_COOKIE, setCookies);
        }
    }

    /**
     * The Insert cookie of a runtime: the configured name for the listener's own backends, and the
     * name with {@code -<group>} for a backend group, so that a client whose requests go to several
     * groups of one listener (pages to one, assets to another) keeps a backend in each rather than
     * each group overwriting the other's cookie. Server mode uses the backend's own cookie as is.
     */
    private static String cookieName(ListenerRuntime runtime) {
        StickySession sticky = runtime.config().stickySession();
        if (sticky.type() == StickySession.Type.SERVER || runtime.group() == null) {
            return sticky.cookie();
        }
        return sticky.cookie() + "-" + runtime.group();
    }

    /** The Set-Cookie line with {@code tag~} before the value, every attribute kept as the backend wrote it. */
    private static String prefixValue(String line, String name, String value, String tag) {
        int at = line.indexOf(name + "=");
        if (at < 0) {
            return line;
        }
        int valueAt = at + name.length() + 1;
        boolean quoted = valueAt < line.length() && line.charAt(valueAt) == '"';
        int insert = quoted ? valueAt + 1 : valueAt;
        return line.substring(0, insert) + StickyTags.prefixed(tag, "") + line.substring(insert);
    }

    /** A Cookie line with the tag taken off {@code name}'s value, the other cookies untouched. */
    private static String stripTag(String line, String name) {
        int from = 0;
        while (true) {
            int at = line.indexOf(name + "=", from);
            if (at < 0) {
                return line;
            }
            boolean boundary = at == 0 || line.charAt(at - 1) == ' ' || line.charAt(at - 1) == ';';
            int valueAt = at + name.length() + 1;
            if (boundary) {
                int end = line.indexOf(';', valueAt);
                String value = line.substring(valueAt, end < 0 ? line.length() : end);
                String quote = value.startsWith("\"") ? "\"" : "";
                String bare = quote.isEmpty() ? value : value.substring(1);
                if (StickyTags.tagOf(bare) != null) {
                    return line.substring(0, valueAt)
                            + quote
                            + StickyTags.unprefixed(bare)
                            + line.substring(end < 0 ? line.length() : end);
                }
                return line;
            }
            from = valueAt;
        }
    }
}

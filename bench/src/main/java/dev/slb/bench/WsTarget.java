package dev.slb.bench;

import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.util.Locale;
import javax.net.ssl.SSLException;

/** Where a load run connects: a {@code ws://} or {@code wss://} URL, resolved once. */
record WsTarget(String host, int port, String path, boolean secure, InetSocketAddress address) {

    static WsTarget parse(String url) {
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("--url " + url + " is not a URL: " + e.getMessage());
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        boolean secure;
        switch (scheme) {
            case "ws" -> secure = false;
            case "wss" -> secure = true;
            default -> throw new IllegalArgumentException("--url " + url + " must start with ws:// or wss://");
        }
        String host = uri.getHost();
        if (host == null) {
            throw new IllegalArgumentException("--url " + url + " has no host");
        }
        int port = uri.getPort() >= 0 ? uri.getPort() : secure ? 443 : 80;
        String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
        if (uri.getRawQuery() != null) {
            path += "?" + uri.getRawQuery();
        }
        InetAddress ip;
        try {
            ip = InetAddress.getByName(host.startsWith("[") ? host.substring(1, host.length() - 1) : host);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("--url " + url + ": cannot resolve " + host);
        }
        return new WsTarget(host, port, path, secure, new InetSocketAddress(ip, port));
    }

    /** The Host header's value. */
    String hostHeader() {
        return host + ":" + port;
    }

    /** True when the target is on IPv4 loopback, where any 127.x.y.z can be a source address. */
    boolean loopbackV4() {
        return address.getAddress() instanceof Inet4Address
                && address.getAddress().isLoopbackAddress();
    }

    /** For wss: a client context that trusts any certificate (a bench talks to its own test servers only). */
    SslContext clientTls() throws SSLException {
        if (!secure) {
            return null;
        }
        return SslContextBuilder.forClient()
                .sslProvider(Io.sslProvider())
                .trustManager(InsecureTrustManagerFactory.INSTANCE)
                .build();
    }
}

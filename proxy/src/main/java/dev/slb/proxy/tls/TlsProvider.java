package dev.slb.proxy.tls;

import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslProvider;
import java.util.Locale;

/**
 * The TLS implementation behind HTTPS listeners: BoringSSL through netty-tcnative when it loads,
 * the JDK's own otherwise; {@code -Dslb.tls.provider=jdk} (or {@code openssl}) forces one.
 */
public enum TlsProvider {
    OPENSSL(SslProvider.OPENSSL),
    JDK(SslProvider.JDK);

    /** The system property that forces a provider: {@code auto} (the default), {@code openssl} or {@code jdk}. */
    public static final String PROPERTY = "slb.tls.provider";

    // OPENSSL, not OPENSSL_REFCNT: contexts replaced by a certificate reload are freed by the
    // garbage collector once the last connection using them is gone, with no release() to track.
    private final SslProvider netty;

    TlsProvider(SslProvider netty) {
        this.netty = netty;
    }

    /** The provider the system property asks for, or the best one available. */
    public static TlsProvider configured() throws TlsException {
        return choose(System.getProperty(PROPERTY), OpenSsl.isAvailable());
    }

    static TlsProvider choose(String setting, boolean openSslAvailable) throws TlsException {
        String s = setting == null ? "auto" : setting.trim().toLowerCase(Locale.ROOT);
        switch (s) {
            case "", "auto":
                return openSslAvailable ? OPENSSL : JDK;
            case "jdk":
                return JDK;
            case "openssl":
                if (!openSslAvailable) {
                    throw new TlsException("-D" + PROPERTY + "=openssl, but BoringSSL (netty-tcnative) did not load: "
                            + unavailableReason() + ". With a read-only root filesystem, mount an emptyDir at /tmp"
                            + " so Netty can unpack its native library, or set -D" + PROPERTY + "=jdk.");
                }
                return OPENSSL;
            default:
                throw new TlsException("-D" + PROPERTY + "=" + setting + " is not one of auto, openssl, jdk");
        }
    }

    /** Whether this provider can be used in this process. */
    public boolean isAvailable() {
        return this == JDK || OpenSsl.isAvailable();
    }

    /**
     * One line for the startup log: the provider in use and, when it is the JDK's, why. The JDK
     * provider cannot offer TLS 1.0/1.1 on Java 17, so a silent fallback is worth seeing.
     */
    public static String describeConfigured() {
        TlsProvider p;
        try {
            p = configured();
        } catch (TlsException e) {
            return "none usable (" + e.getMessage() + ")";
        }
        if (p == OPENSSL) {
            return "OPENSSL (" + OpenSsl.versionString() + " via netty-tcnative)";
        }
        String forced = System.getProperty(PROPERTY);
        if (forced != null && forced.trim().equalsIgnoreCase("jdk")) {
            return "JDK (Java " + Runtime.version().feature() + ", forced by -D" + PROPERTY + "=jdk)";
        }
        return "JDK (Java " + Runtime.version().feature() + "; BoringSSL unavailable: " + unavailableReason() + ")";
    }

    private static String unavailableReason() {
        Throwable cause = OpenSsl.unavailabilityCause();
        return cause == null ? "unknown reason" : cause.toString();
    }

    SslProvider netty() {
        return netty;
    }
}

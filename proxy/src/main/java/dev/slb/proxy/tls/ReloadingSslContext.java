package dev.slb.proxy.tls;

import dev.slb.model.ClientAuthentication;
import dev.slb.model.ExtraCertificate;
import dev.slb.model.Tls;
import dev.slb.model.TlsPolicy;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelHandler;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolConfig.Protocol;
import io.netty.handler.ssl.ApplicationProtocolConfig.SelectedListenerFailureBehavior;
import io.netty.handler.ssl.ApplicationProtocolConfig.SelectorFailureBehavior;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SniHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SupportedCipherSuiteFilter;
import io.netty.util.DomainWildcardMappingBuilder;
import io.netty.util.Mapping;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The TLS contexts of one HTTPS listener, built from its PEM certificate and key (two files, or a
 * TLS Secret read through the API), the further certificates it serves by SNI and the CA bundle it
 * verifies client certificates against, and rebuilt when their content changes, so new handshakes
 * get a renewed certificate while open connections carry on with the one they started with.
 */
public final class ReloadingSslContext {
    private static final Logger log = LoggerFactory.getLogger(ReloadingSslContext.class);

    /** How long a client has to finish the handshake before the connection is closed. */
    public static final Duration HANDSHAKE_TIMEOUT = Duration.ofSeconds(10);

    // NO_ADVERTISE + ACCEPT: a client that offers only protocols we do not speak still gets a
    // handshake (with no protocol selected, so HTTP/1.1) instead of a fatal alert, and BoringSSL
    // accepts these failure behaviours on a server, which it does not for all of them.
    private static final ApplicationProtocolConfig HTTP_1_1_ONLY = new ApplicationProtocolConfig(
            Protocol.ALPN,
            SelectorFailureBehavior.NO_ADVERTISE,
            SelectedListenerFailureBehavior.ACCEPT,
            ApplicationProtocolNames.HTTP_1_1);
    // h2 first: the server picks by its own order among what the client offers.
    private static final ApplicationProtocolConfig H2_AND_HTTP_1_1 = new ApplicationProtocolConfig(
            Protocol.ALPN,
            SelectorFailureBehavior.NO_ADVERTISE,
            SelectedListenerFailureBehavior.ACCEPT,
            ApplicationProtocolNames.HTTP_2,
            ApplicationProtocolNames.HTTP_1_1);

    private static final Set<TlsPolicy> WARNED_DOWNGRADE = ConcurrentHashMap.newKeySet();
    private static final byte[] KEY_PROBE =
            "does this key belong to this certificate?".getBytes(StandardCharsets.US_ASCII);

    private final Tls config;
    private final boolean http2;
    private final TlsProvider provider;
    private final TlsPolicies.Offer offer;
    private final Served primary;
    private final List<Served> extras;
    private final ClientCa ca;
    // Null without extra certificates; rebuilt whenever one of the contexts is.
    private volatile Mapping<String, SslContext> sni;

    private record Loaded(SslContext context, X509Certificate certificate, String digest) {}

    /** One certificate the listener serves: its own (domain null) or one chosen by SNI. */
    private static final class Served {
        final String domain;
        final KeyMaterial material;
        volatile Loaded current;
        // Guarded by the context: what the sources held at the last check, good or bad, so a bad
        // pair is reported once rather than every period, and is retried as soon as it changes.
        String lastSeenDigest;
        String lastProblem;

        Served(String domain, KeyMaterial material, Loaded first) {
            this.domain = domain;
            this.material = material;
            this.current = first;
            this.lastSeenDigest = first.digest();
        }

        String describe() {
            return domain == null ? material.describe() : material.describe() + " (SNI " + domain + ")";
        }
    }

    private ReloadingSslContext(
            Tls config,
            boolean http2,
            TlsProvider provider,
            TlsPolicies.Offer offer,
            Served primary,
            List<Served> extras,
            ClientCa ca) {
        this.config = config;
        this.http2 = http2;
        this.provider = provider;
        this.offer = offer;
        this.primary = primary;
        this.extras = List.copyOf(extras);
        this.ca = ca;
        this.sni = extras.isEmpty() ? null : mapping(primary, extras);
    }

    /** Loads with the configured provider ({@link TlsProvider#configured()}). */
    public static ReloadingSslContext load(Tls tls) throws TlsException {
        return load(tls, TlsProvider.configured());
    }

    /** Loads certificate files with {@code provider}; a config naming a Secret fails (no Secrets are read). */
    public static ReloadingSslContext load(Tls tls, TlsProvider provider) throws TlsException {
        return load(tls, provider, SecretStore.NONE);
    }

    /**
     * Loads the certificate and key that {@code tls} names, from files or from a Secret in {@code
     * secrets}, its extra certificates and its client CA, failing with a message that names the
     * file (or Secret key) and the problem: missing, unreadable, not PEM, encrypted, or key and
     * certificate apart.
     */
    public static ReloadingSslContext load(Tls tls, TlsProvider provider, SecretStore secrets) throws TlsException {
        return load(tls, provider, secrets, false);
    }

    /**
     * As {@link #load(Tls, TlsProvider, SecretStore)}, offering HTTP/2 (ALPN {@code h2}) before
     * HTTP/1.1 when {@code http2} is true, HTTP/1.1 alone otherwise.
     */
    public static ReloadingSslContext load(Tls tls, TlsProvider provider, SecretStore secrets, boolean http2)
            throws TlsException {
        ApplicationProtocolConfig alpn = http2 ? H2_AND_HTTP_1_1 : HTTP_1_1_ONLY;
        KeyMaterial material = KeyMaterial.of(tls, secrets);
        if (!provider.isAvailable()) {
            throw new TlsException("the " + provider + " TLS provider is not available in this process");
        }
        TlsPolicies.Offer offer = TlsPolicies.offer(tls.policy(), provider);
        if (offer.protocols().isEmpty() || offer.cipherSuites().isEmpty()) {
            throw new TlsException(tls.policy().json() + " leaves nothing to offer with the " + provider
                    + " provider (protocols " + offer.protocols() + ", cipher suites " + offer.cipherSuites() + ")");
        }
        warnAboutMissingProtocols(offer);
        ClientCa ca = tls.clientAuthentication() == null ? null : ClientCa.of(tls.clientAuthentication(), secrets);
        ClientCa.Bundle bundle = ca == null ? null : ca.read();
        Served primary = new Served(null, material, build(material.read(), material, provider, offer, bundle, alpn));
        List<Served> extras = new ArrayList<>();
        for (ExtraCertificate c : tls.extraCertificates()) {
            KeyMaterial extra = KeyMaterial.of(c.source(), secrets);
            try {
                extras.add(new Served(c.domain(), extra, build(extra.read(), extra, provider, offer, bundle, alpn)));
            } catch (TlsException e) {
                throw new TlsException("the certificate for " + c.domain() + ": " + e.getMessage(), e);
            }
        }
        for (Served s : concat(primary, extras)) {
            log.info(
                    "TLS for {}: {}, valid until {}; {} {} offers {} with {} cipher suites{}",
                    s.describe(),
                    s.current.certificate().getSubjectX500Principal().getName(),
                    s.current.certificate().getNotAfter().toInstant(),
                    provider,
                    tls.policy().json(),
                    offer.protocols(),
                    offer.cipherSuites().size(),
                    ca == null ? "" : "; client certificates " + ca.describe(tls.clientAuthentication()));
        }
        if (!offer.missingCipherSuites().isEmpty()) {
            log.debug(
                    "{} with the {} provider leaves out cipher suites it does not have: {}",
                    tls.policy().json(),
                    provider,
                    offer.missingCipherSuites());
        }
        return new ReloadingSslContext(tls, http2, provider, offer, primary, extras, ca);
    }

    /** The listener's own newest good context; ask again for every accepted connection. */
    public SslContext current() {
        return primary.current.context();
    }

    /** The leaf certificate new handshakes present when the client names no other domain. */
    public X509Certificate certificate() {
        return primary.current.certificate();
    }

    /**
     * The first handler of a newly accepted connection, using the newest good certificates: an
     * {@link SslHandler}, or, with extra certificates, an {@link SniHandler} that reads the client's
     * hello and puts in the SslHandler of the certificate for the name it asks for (the listener's
     * own for any other name, or none). Either way the handshake has {@link #HANDSHAKE_TIMEOUT}.
     */
    public ChannelHandler newHandler(ByteBufAllocator alloc) {
        Mapping<String, SslContext> mapping = sni;
        if (mapping != null) {
            return new SniHandler(mapping, HANDSHAKE_TIMEOUT.toMillis());
        }
        SslHandler handler = primary.current.context().newHandler(alloc);
        handler.setHandshakeTimeout(HANDSHAKE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        return handler;
    }

    /**
     * Re-reads every certificate and key (files or Secrets) and the client CA, and, where their
     * content differs from the last check and makes a good pair, swaps in a new context; a bad or
     * unreadable one is logged (once) and the previous certificate stays in use.
     *
     * @return whether new handshakes now use a new certificate (or CA)
     */
    public synchronized boolean reloadIfChanged() {
        ClientCa.Bundle bundle = null;
        if (ca != null) {
            try {
                bundle = ca.read();
                ca.clearProblem();
            } catch (TlsException e) {
                ca.problem(e.getMessage());
                return false;
            }
        }
        boolean changed = false;
        for (Served s : concat(primary, extras)) {
            changed |= reloadIfChanged(s, bundle);
        }
        if (changed && sni != null) {
            sni = mapping(primary, extras);
        }
        return changed;
    }

    private boolean reloadIfChanged(Served s, ClientCa.Bundle bundle) {
        KeyMaterial.Pem files;
        try {
            files = s.material.read();
        } catch (TlsException e) {
            problem(s, e.getMessage());
            return false;
        }
        String digest = digest(files, bundle);
        if (digest.equals(s.current.digest())) {
            // Unchanged, or back to the pair in use after a bad one: nothing to swap.
            s.lastSeenDigest = digest;
            s.lastProblem = null;
            return false;
        }
        if (digest.equals(s.lastSeenDigest)) {
            return false;
        }
        s.lastSeenDigest = digest;
        Loaded next;
        try {
            next = build(files, s.material, provider, offer, bundle, http2 ? H2_AND_HTTP_1_1 : HTTP_1_1_ONLY);
        } catch (TlsException e) {
            problem(s, e.getMessage());
            return false;
        }
        X509Certificate old = s.current.certificate();
        s.current = next;
        s.lastProblem = null;
        log.info(
                "TLS for {}: certificate {} (serial {}, valid until {}{}) replaces serial {}; new handshakes"
                        + " use it, open connections keep theirs",
                s.describe(),
                next.certificate().getSubjectX500Principal().getName(),
                next.certificate().getSerialNumber().toString(16),
                next.certificate().getNotAfter().toInstant(),
                bundle == null ? "" : ", client CA " + bundle.describe(),
                old.getSerialNumber().toString(16));
        return true;
    }

    public Tls config() {
        return config;
    }

    /** True when new handshakes offer HTTP/2 (ALPN h2) beside HTTP/1.1. */
    public boolean http2() {
        return http2;
    }

    /** Where the listener's own certificate and key come from, for log lines. */
    public String describe() {
        return primary.material.describe();
    }

    public TlsProvider provider() {
        return provider;
    }

    /** The protocols and cipher suites this context offers. */
    public TlsPolicies.Offer offer() {
        return offer;
    }

    /** The leaf certificate served for each SNI domain, in the config's order. */
    public Map<String, X509Certificate> extraCertificates() {
        Map<String, X509Certificate> certificates = new LinkedHashMap<>();
        extras.forEach(s -> certificates.put(s.domain, s.current.certificate()));
        return certificates;
    }

    private static Mapping<String, SslContext> mapping(Served primary, List<Served> extras) {
        DomainWildcardMappingBuilder<SslContext> builder =
                new DomainWildcardMappingBuilder<>(extras.size(), primary.current.context());
        extras.forEach(s -> builder.add(s.domain, s.current.context()));
        return builder.build();
    }

    private static List<Served> concat(Served primary, List<Served> extras) {
        List<Served> all = new ArrayList<>(extras.size() + 1);
        all.add(primary);
        all.addAll(extras);
        return all;
    }

    private static void problem(Served s, String message) {
        if (!message.equals(s.lastProblem)) {
            s.lastProblem = message;
            log.warn("TLS for {}: {}; the previous certificate stays in use", s.describe(), message);
        }
    }

    private static void warnAboutMissingProtocols(TlsPolicies.Offer offer) {
        if (offer.missingProtocols().isEmpty() || !WARNED_DOWNGRADE.add(offer.policy())) {
            return;
        }
        if (offer.provider() == TlsProvider.JDK) {
            log.warn(
                    "{} asks for {} too, but the JDK TLS provider of Java {} disables them (jdk.tls.disabledAlgorithms);"
                            + " HTTPS listeners with this policy offer {} only. Clients that need the older versions"
                            + " need the OpenSSL provider (BoringSSL via netty-tcnative).",
                    offer.policy().json(),
                    offer.missingProtocols(),
                    Runtime.version().feature(),
                    offer.protocols());
        } else {
            log.warn(
                    "{} asks for {} too, but the {} provider does not support them; HTTPS listeners with this policy"
                            + " offer {} only",
                    offer.policy().json(),
                    offer.missingProtocols(),
                    offer.provider(),
                    offer.protocols());
        }
    }

    private static Loaded build(
            KeyMaterial.Pem files,
            KeyMaterial material,
            TlsProvider provider,
            TlsPolicies.Offer offer,
            ClientCa.Bundle clientCa,
            ApplicationProtocolConfig alpn)
            throws TlsException {
        List<X509Certificate> chain = Pem.certificates(files.certificate(), material.certificateLabel());
        PrivateKey key = Pem.privateKey(files.privateKey(), material.privateKeyLabel());
        X509Certificate leaf = chain.get(0);
        checkKeyMatches(key, leaf, material);
        warnIfOutsideValidity(leaf, material.describe());
        SslContext context;
        try {
            SslContextBuilder builder = SslContextBuilder.forServer(key, chain.toArray(X509Certificate[]::new))
                    .sslProvider(provider.netty())
                    .protocols(offer.protocols())
                    .ciphers(offer.cipherSuites(), SupportedCipherSuiteFilter.INSTANCE)
                    .applicationProtocolConfig(alpn);
            if (clientCa != null) {
                builder.trustManager(clientCa.certificates().toArray(X509Certificate[]::new))
                        .clientAuth(
                                clientCa.mode() == ClientAuthentication.Mode.REQUIRE
                                        ? ClientAuth.REQUIRE
                                        : ClientAuth.OPTIONAL);
            }
            context = builder.build();
        } catch (IOException | RuntimeException e) {
            throw new TlsException(
                    material.certificateLabel() + " with " + material.privateKeyLabel() + " cannot be used by the "
                            + provider
                            + " provider: " + e.getMessage(),
                    e);
        }
        return new Loaded(context, leaf, digest(files, clientCa));
    }

    // A signature made with the key and checked with the certificate's public key: the one test
    // that works the same for RSA and EC, and it catches a tls.key from a different Secret.
    private static void checkKeyMatches(PrivateKey key, X509Certificate leaf, KeyMaterial material)
            throws TlsException {
        String mismatch = "the private key in " + material.privateKeyLabel() + " does not belong to the first"
                + " certificate in " + material.certificateLabel()
                + " (" + leaf.getSubjectX500Principal().getName() + ")";
        if (!key.getAlgorithm().equals(leaf.getPublicKey().getAlgorithm())) {
            throw new TlsException(mismatch + ": the key is " + key.getAlgorithm() + ", the certificate's is "
                    + leaf.getPublicKey().getAlgorithm());
        }
        try {
            Signature s = Signature.getInstance(key.getAlgorithm().equals("EC") ? "SHA256withECDSA" : "SHA256withRSA");
            s.initSign(key);
            s.update(KEY_PROBE);
            byte[] signature = s.sign();
            s.initVerify(leaf.getPublicKey());
            s.update(KEY_PROBE);
            if (!s.verify(signature)) {
                throw new TlsException(mismatch);
            }
        } catch (GeneralSecurityException e) {
            throw new TlsException(mismatch + " (" + e.getMessage() + ")", e);
        }
    }

    private static void warnIfOutsideValidity(X509Certificate leaf, String certFile) {
        Instant now = Instant.now();
        if (now.isAfter(leaf.getNotAfter().toInstant())) {
            log.warn(
                    "TLS for {}: the certificate {} expired on {}; clients will refuse it until the Secret is renewed",
                    certFile,
                    leaf.getSubjectX500Principal().getName(),
                    leaf.getNotAfter().toInstant());
        } else if (now.isBefore(leaf.getNotBefore().toInstant())) {
            log.warn(
                    "TLS for {}: the certificate {} is not valid before {}; clients will refuse it until then"
                            + " (is a clock wrong?)",
                    certFile,
                    leaf.getSubjectX500Principal().getName(),
                    leaf.getNotBefore().toInstant());
        }
    }

    private static String digest(KeyMaterial.Pem files, ClientCa.Bundle clientCa) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            // The length first, so the same bytes split differently between the files differ.
            sha.update(Integer.toString(files.certificate().length).getBytes(StandardCharsets.US_ASCII));
            sha.update((byte) 0);
            sha.update(files.certificate());
            sha.update(files.privateKey());
            if (clientCa != null) {
                // A new CA bundle (or mode) is a new context for every certificate of the listener.
                sha.update((byte) 0);
                sha.update(clientCa.mode().name().getBytes(StandardCharsets.US_ASCII));
                sha.update(clientCa.pem());
            }
            return HexFormat.of().formatHex(sha.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }
}

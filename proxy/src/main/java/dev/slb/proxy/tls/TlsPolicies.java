package dev.slb.proxy.tls;

import dev.slb.model.TlsPolicy;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.util.ReferenceCountUtil;
import java.security.Security;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;

/**
 * The cipher suites each model {@link TlsPolicy} offers, as the product's policy table lists them,
 * and what a given provider can actually offer of them (see proxy/TLS.md for the measured table).
 */
public final class TlsPolicies {
    private TlsPolicies() {}

    static final String TLS_1_0 = TlsPolicy.Versions.TLS_1_0;
    static final String TLS_1_1 = TlsPolicy.Versions.TLS_1_1;
    static final String TLS_1_2 = TlsPolicy.Versions.TLS_1_2;
    static final String TLS_1_3 = TlsPolicy.Versions.TLS_1_3;

    // IANA names throughout: the JDK takes them as they are and Netty maps them to OpenSSL names.
    // The product lists the two CCM suites too; neither the JDK nor BoringSSL has them, so they
    // are left out of every offer (logged at debug), as any suite a provider lacks is.
    private static final List<String> TLS13 = List.of(
            "TLS_AES_128_GCM_SHA256",
            "TLS_AES_256_GCM_SHA384",
            "TLS_CHACHA20_POLY1305_SHA256",
            "TLS_AES_128_CCM_SHA256",
            "TLS_AES_128_CCM_8_SHA256");

    // The product's ECDHE suites, AEAD first (the server's preference order; the product gives none).
    // No TLS 1.2 ChaCha20 suite: the product's table has none.
    private static final List<String> ECDHE_GCM = List.of(
            "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384");

    // BoringSSL has none of these (it dropped CBC with SHA-256/384 MACs); the JDK has all four.
    private static final List<String> ECDHE_CBC_SHA2 = List.of(
            "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256",
            "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384",
            "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384");

    // CBC with SHA-1 MACs: what TLS 1.0/1.1 clients can use with forward secrecy.
    private static final List<String> ECDHE_CBC_SHA = List.of(
            "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA",
            "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA",
            "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA",
            "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA");

    // RSA key exchange (no forward secrecy), for the oldest clients. The product also lists
    // DES-CBC3-SHA here; it is left out on purpose: 3DES has a 64-bit block (Sweet32,
    // CVE-2016-2183), Java 17 disables it, and every client that has it also has AES-CBC.
    private static final List<String> RSA = List.of(
            "TLS_RSA_WITH_AES_128_GCM_SHA256",
            "TLS_RSA_WITH_AES_256_GCM_SHA384",
            "TLS_RSA_WITH_AES_128_CBC_SHA256",
            "TLS_RSA_WITH_AES_256_CBC_SHA256",
            "TLS_RSA_WITH_AES_128_CBC_SHA",
            "TLS_RSA_WITH_AES_256_CBC_SHA");

    private static final List<String> STRICT = concat(ECDHE_GCM, ECDHE_CBC_SHA2, ECDHE_CBC_SHA);
    private static final List<String> ALL_TLS12 = concat(STRICT, RSA);

    /** The protocol versions a policy offers, newest first. */
    public static List<String> protocols(TlsPolicy policy) {
        return policy.protocols();
    }

    /** The cipher suites a policy offers (IANA names), in the server's order of preference. */
    public static List<String> cipherSuites(TlsPolicy policy) {
        return switch (policy) {
            case TLS_CIPHER_POLICY_1_0, TLS_CIPHER_POLICY_1_1 -> ALL_TLS12;
            // The one deliberate difference from the product (besides 3DES): the earlier release's
            // CRD stored _1_2 as every HTTPS listener's default, so it keeps TLS 1.3 (proxy/TLS.md).
            case TLS_CIPHER_POLICY_1_2 -> concat(TLS13, ALL_TLS12);
            case TLS_CIPHER_POLICY_1_2_STRICT -> STRICT;
            case TLS_CIPHER_POLICY_1_2_STRICT_WITH_1_3 -> concat(TLS13, STRICT);
        };
    }

    /**
     * What a provider offers of a policy.
     *
     * @param protocols          versions the provider will negotiate, newest first
     * @param cipherSuites       suites the provider supports, in the policy's order
     * @param missingProtocols   versions the policy asks for that this provider will not negotiate
     * @param missingCipherSuites suites the policy asks for that this provider does not have
     */
    public record Offer(
            TlsPolicy policy,
            TlsProvider provider,
            List<String> protocols,
            List<String> cipherSuites,
            List<String> missingProtocols,
            List<String> missingCipherSuites) {
        public Offer {
            protocols = List.copyOf(protocols);
            cipherSuites = List.copyOf(cipherSuites);
            missingProtocols = List.copyOf(missingProtocols);
            missingCipherSuites = List.copyOf(missingCipherSuites);
        }
    }

    /** What {@code provider}, as this JVM is configured, offers of {@code policy}. */
    public static Offer offer(TlsPolicy policy, TlsProvider provider) throws TlsException {
        Supported s = supported(provider);
        return offer(policy, provider, s.protocols(), s.cipherSuites());
    }

    static Offer offer(TlsPolicy policy, TlsProvider provider, Set<String> usableProtocols, Set<String> usableSuites) {
        List<String> protocols = new ArrayList<>();
        List<String> missingProtocols = new ArrayList<>();
        for (String p : protocols(policy)) {
            (usableProtocols.contains(p) ? protocols : missingProtocols).add(p);
        }
        List<String> suites = new ArrayList<>();
        List<String> missingSuites = new ArrayList<>();
        for (String c : cipherSuites(policy)) {
            (usableSuites.contains(c) ? suites : missingSuites).add(c);
        }
        return new Offer(policy, provider, protocols, suites, missingProtocols, missingSuites);
    }

    /**
     * The protocols named in a {@code jdk.tls.disabledAlgorithms} value. Java 17 ships with
     * TLSv1 and TLSv1.1 there; a site that edits java.security to re-enable them gets them back.
     */
    static Set<String> disabledProtocols(String disabledAlgorithms) {
        Set<String> disabled = new LinkedHashSet<>();
        if (disabledAlgorithms == null) {
            return disabled;
        }
        for (String token : disabledAlgorithms.split(",")) {
            String t = token.trim();
            for (String p : List.of(TLS_1_0, TLS_1_1, TLS_1_2, TLS_1_3, "SSLv3")) {
                if (t.toLowerCase(Locale.ROOT).equals(p.toLowerCase(Locale.ROOT))) {
                    disabled.add(p);
                }
            }
        }
        return disabled;
    }

    private record Supported(Set<String> protocols, Set<String> cipherSuites) {}

    private static final Map<TlsProvider, Supported> SUPPORTED = new EnumMap<>(TlsProvider.class);

    private static synchronized Supported supported(TlsProvider provider) throws TlsException {
        Supported s = SUPPORTED.get(provider);
        if (s == null) {
            s = probe(provider);
            SUPPORTED.put(provider, s);
        }
        return s;
    }

    // An engine from a throwaway client context tells what the provider supports, without a key.
    private static Supported probe(TlsProvider provider) throws TlsException {
        SSLEngine engine;
        try {
            SslContext probe =
                    SslContextBuilder.forClient().sslProvider(provider.netty()).build();
            engine = probe.newEngine(ByteBufAllocator.DEFAULT);
        } catch (SSLException | RuntimeException | LinkageError e) {
            throw new TlsException("the " + provider + " TLS provider cannot be used: " + e, e);
        }
        try {
            Set<String> protocols = new LinkedHashSet<>(Arrays.asList(engine.getSupportedProtocols()));
            if (provider == TlsProvider.JDK) {
                // The JDK lists disabled versions as supported and then refuses them in the handshake.
                protocols.removeAll(disabledProtocols(Security.getProperty("jdk.tls.disabledAlgorithms")));
            }
            return new Supported(Set.copyOf(protocols), Set.copyOf(Arrays.asList(engine.getSupportedCipherSuites())));
        } finally {
            ReferenceCountUtil.release(engine);
        }
    }

    @SafeVarargs
    private static List<String> concat(List<String>... lists) {
        List<String> all = new ArrayList<>();
        for (List<String> l : lists) {
            all.addAll(l);
        }
        return List.copyOf(all);
    }
}

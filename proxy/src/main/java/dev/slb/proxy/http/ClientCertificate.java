package dev.slb.proxy.http;

import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.AsciiString;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.Certificate;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.HexFormat;
import javax.net.ssl.SSLPeerUnverifiedException;

/**
 * What a backend learns of a client's TLS certificate on a listener with client authentication:
 * the verified certificate's subject, issuer and SHA-256 fingerprint, in request headers named as
 * the product names them; a client can never set these itself, on any listener.
 *
 * @param verify      {@code SUCCESS} (a certificate the CA vouches for) or {@code NONE} (none given, mode Optional);
 *                    null on a listener without client authentication
 * @param subject     the subject DN (RFC 2253), or null
 * @param issuer      the issuer DN (RFC 2253), or null
 * @param fingerprint the SHA-256 of the DER certificate, lower-case hex, or null
 */
record ClientCertificate(String verify, String subject, String issuer, String fingerprint) {
    static final AsciiString VERIFY = AsciiString.cached("x-forwarded-clientcert-clientverify");
    static final AsciiString SUBJECT = AsciiString.cached("x-forwarded-clientcert-subjectdn");
    static final AsciiString ISSUER = AsciiString.cached("x-forwarded-clientcert-issuerdn");
    static final AsciiString FINGERPRINT = AsciiString.cached("x-forwarded-clientcert-fingerprint");

    /** A connection that carries no client certificate headers: plain HTTP, or HTTPS without client authentication. */
    static final ClientCertificate NOT_ASKED = new ClientCertificate(null, null, null, null);

    static final String SUCCESS = "SUCCESS";
    static final String NONE = "NONE";

    /**
     * The client certificate of a connection whose handshake is done: the TLS layer has already
     * verified it against the listener's CA (a certificate it does not vouch for fails the
     * handshake), so one present here is verified.
     */
    static ClientCertificate of(ChannelPipeline pipeline, boolean clientAuthentication) {
        SslHandler ssl = pipeline.get(SslHandler.class);
        if (ssl == null || !clientAuthentication) {
            return NOT_ASKED;
        }
        Certificate[] chain;
        try {
            chain = ssl.engine().getSession().getPeerCertificates();
        } catch (SSLPeerUnverifiedException e) {
            return new ClientCertificate(NONE, null, null, null);
        }
        if (chain.length == 0 || !(chain[0] instanceof X509Certificate leaf)) {
            return new ClientCertificate(NONE, null, null, null);
        }
        return new ClientCertificate(
                SUCCESS,
                leaf.getSubjectX500Principal().getName(),
                leaf.getIssuerX500Principal().getName(),
                fingerprint(leaf));
    }

    /** Removes whatever the client sent under these names, then sets what the proxy knows. */
    void apply(HttpHeaders headers) {
        headers.remove(VERIFY);
        headers.remove(SUBJECT);
        headers.remove(ISSUER);
        headers.remove(FINGERPRINT);
        if (verify == null) {
            return;
        }
        headers.set(VERIFY, verify);
        if (subject != null) {
            // A DN is printable text; a control character would split the header, so none passes.
            headers.set(SUBJECT, printable(subject));
            headers.set(ISSUER, printable(issuer));
            headers.set(FINGERPRINT, fingerprint);
        }
    }

    private static String printable(String s) {
        StringBuilder out = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            out.append(c < 0x20 || c == 0x7f ? '?' : c);
        }
        return out.toString();
    }

    private static String fingerprint(X509Certificate certificate) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(certificate.getEncoded()));
        } catch (NoSuchAlgorithmException | CertificateEncodingException e) {
            throw new IllegalStateException("a verified certificate has an encoding, and every JVM has SHA-256", e);
        }
    }
}

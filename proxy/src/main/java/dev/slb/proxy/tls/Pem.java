package dev.slb.proxy.tls;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the PEM that Kubernetes TLS Secrets hold. Netty on its own (without Bouncy Castle) reads
 * only PKCS#8 keys, while cert-manager writes PKCS#1 RSA and SEC1 EC keys by default and
 * {@code kubectl create secret tls} takes whatever openssl made; so both are rewrapped as PKCS#8.
 */
final class Pem {
    private Pem() {}

    private static final Pattern BLOCK =
            Pattern.compile("-----BEGIN ([A-Z0-9 ]+)-----[ \\t]*\\r?\\n(.*?)-----END \\1-----", Pattern.DOTALL);

    private static final Pattern BEGIN = Pattern.compile("-----BEGIN ([A-Z0-9 ]+)-----");
    private static final Pattern HEADERS_END = Pattern.compile("\\r?\\n\\r?\\n");
    private static final Pattern WHITESPACE = Pattern.compile("\\s+");

    private static final byte[] RSA_ENCRYPTION = {0x2a, (byte) 0x86, 0x48, (byte) 0x86, (byte) 0xf7, 0x0d, 1, 1, 1};
    private static final byte[] EC_PUBLIC_KEY = {0x2a, (byte) 0x86, 0x48, (byte) 0xce, 0x3d, 2, 1};

    record Block(String type, String headers, byte[] der) {}

    /** The PEM blocks of a file, in order; text around them is ignored, as openssl does. */
    static List<Block> blocks(byte[] file, String path) throws TlsException {
        String text = new String(file, StandardCharsets.US_ASCII);
        List<Block> blocks = new ArrayList<>();
        Matcher m = BLOCK.matcher(text);
        while (m.find()) {
            String type = m.group(1);
            String body = m.group(2);
            String headers = "";
            if (body.contains("-----")) {
                // The block ran into the next one: its END line is missing.
                throw truncated(path, blocks.size() + 1, type);
            }
            if (body.indexOf(':') >= 0) {
                // RFC 1421 headers, such as "Proc-Type: 4,ENCRYPTED" on a key encrypted by openssl.
                Matcher end = HEADERS_END.matcher(body);
                int split = end.find() ? end.end() : body.length();
                headers = body.substring(0, split);
                body = body.substring(split);
            }
            try {
                blocks.add(new Block(
                        type,
                        headers,
                        Base64.getDecoder().decode(WHITESPACE.matcher(body).replaceAll(""))));
            } catch (IllegalArgumentException e) {
                throw new TlsException(path + ": block " + (blocks.size() + 1) + " (BEGIN " + type
                        + ") is not valid base64: " + e.getMessage());
            }
        }
        int begins = 0;
        for (int i = text.indexOf("-----BEGIN "); i >= 0; i = text.indexOf("-----BEGIN ", i + 1)) {
            begins++;
        }
        if (begins > blocks.size()) {
            Matcher begin = BEGIN.matcher(text);
            String type = "";
            for (int i = 0; i <= blocks.size() && begin.find(); i++) {
                type = begin.group(1);
            }
            throw truncated(path, blocks.size() + 1, type);
        }
        return blocks;
    }

    private static TlsException truncated(String path, int block, String type) {
        // Most often a copy or a write that was cut short.
        return new TlsException(path + ": block " + block + " (BEGIN " + type + ") has no -----END " + type
                + "----- line; is the file truncated?");
    }

    /** The certificate chain of a PEM file, leaf first. */
    static List<X509Certificate> certificates(byte[] file, String path) throws TlsException {
        CertificateFactory x509;
        try {
            x509 = CertificateFactory.getInstance("X.509");
        } catch (CertificateException e) {
            throw new IllegalStateException("this JVM has no X.509 support", e);
        }
        List<X509Certificate> chain = new ArrayList<>();
        for (Block b : blocks(file, path)) {
            if (!b.type().equals("CERTIFICATE")) {
                continue;
            }
            try {
                chain.add((X509Certificate) x509.generateCertificate(new ByteArrayInputStream(b.der())));
            } catch (CertificateException | RuntimeException e) {
                throw new TlsException(
                        path + ": certificate " + (chain.size() + 1) + " in the file is not a valid"
                                + " X.509 certificate (" + e.getMessage() + ")",
                        e);
            }
        }
        if (chain.isEmpty()) {
            throw new TlsException(path + ": no -----BEGIN CERTIFICATE----- block found; expected a PEM"
                    + " certificate chain, as tls.crt of a Kubernetes TLS Secret holds it");
        }
        return chain;
    }

    /** The private key of a PEM file: PKCS#8, PKCS#1 RSA or SEC1 EC, unencrypted. */
    static PrivateKey privateKey(byte[] file, String path) throws TlsException {
        for (Block b : blocks(file, path)) {
            switch (b.type()) {
                case "PRIVATE KEY":
                    return pkcs8(b.der(), path, "PKCS#8");
                case "RSA PRIVATE KEY":
                    refuseEncrypted(b, path);
                    return pkcs8(
                            wrap(algorithmIdentifier(RSA_ENCRYPTION, new byte[] {5, 0}), b.der()), path, "PKCS#1 RSA");
                case "EC PRIVATE KEY":
                    refuseEncrypted(b, path);
                    return pkcs8(
                            wrap(algorithmIdentifier(EC_PUBLIC_KEY, sec1Curve(b.der(), path)), b.der()),
                            path,
                            "SEC1 EC");
                case "ENCRYPTED PRIVATE KEY":
                    throw encrypted(path);
                default:
                // EC PARAMETERS before the key (openssl ecparam -genkey), or a certificate in a combined file.
            }
        }
        throw new TlsException(path + ": no private key found; expected -----BEGIN PRIVATE KEY-----,"
                + " -----BEGIN RSA PRIVATE KEY----- or -----BEGIN EC PRIVATE KEY-----, as tls.key of a"
                + " Kubernetes TLS Secret holds it");
    }

    private static void refuseEncrypted(Block b, String path) throws TlsException {
        if (b.headers().contains("ENCRYPTED")) {
            throw encrypted(path);
        }
    }

    private static TlsException encrypted(String path) {
        return new TlsException(path + ": the private key is encrypted and the proxy has no passphrase;"
                + " store it unencrypted in the Secret (openssl pkey -in key.pem -out tls.key)");
    }

    private static PrivateKey pkcs8(byte[] der, String path, String form) throws TlsException {
        String algorithm = pkcs8Algorithm(der, path, form);
        try {
            return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
        } catch (GeneralSecurityException | RuntimeException e) {
            throw new TlsException(path + ": the " + form + " private key cannot be read (" + e.getMessage() + ")", e);
        }
    }

    // PrivateKeyInfo ::= SEQUENCE { version, AlgorithmIdentifier { OID, params }, OCTET STRING }
    private static String pkcs8Algorithm(byte[] der, String path, String form) throws TlsException {
        try {
            Der.Tlv info = Der.read(der, 0, Der.SEQUENCE);
            Der.Tlv version = Der.read(der, info.start(), Der.INTEGER);
            Der.Tlv algorithm = Der.read(der, version.end(), Der.SEQUENCE);
            Der.Tlv oid = Der.read(der, algorithm.start(), Der.OID);
            byte[] id = Der.content(der, oid);
            if (Arrays.equals(id, RSA_ENCRYPTION)) {
                return "RSA";
            }
            if (Arrays.equals(id, EC_PUBLIC_KEY)) {
                return "EC";
            }
            throw new TlsException(path + ": the private key's algorithm (OID " + Der.oidString(id)
                    + ") is not supported; use an RSA or EC (P-256, P-384, P-521) key");
        } catch (IllegalArgumentException e) {
            throw new TlsException(
                    path + ": the " + form + " private key is not valid DER (" + e.getMessage() + ")", e);
        }
    }

    // ECPrivateKey ::= SEQUENCE { version 1, privateKey OCTET STRING, [0] parameters, [1] publicKey }
    private static byte[] sec1Curve(byte[] der, String path) throws TlsException {
        try {
            Der.Tlv key = Der.read(der, 0, Der.SEQUENCE);
            int at = key.start();
            at = Der.read(der, at, Der.INTEGER).end();
            at = Der.read(der, at, Der.OCTET_STRING).end();
            while (at < key.end()) {
                Der.Tlv field = Der.read(der, at, -1);
                if (field.tag() == 0xa0) {
                    Der.Tlv curve = Der.read(der, field.start(), Der.OID);
                    return Arrays.copyOfRange(der, curve.offset(), curve.end());
                }
                at = field.end();
            }
        } catch (IllegalArgumentException e) {
            throw new TlsException(path + ": the SEC1 EC private key is not valid DER (" + e.getMessage() + ")", e);
        }
        throw new TlsException(path + ": the EC private key does not name its curve; rewrite it as PKCS#8"
                + " (openssl pkcs8 -topk8 -nocrypt -in tls.key -out tls.pk8.key)");
    }

    private static byte[] algorithmIdentifier(byte[] oid, byte[] parameters) {
        ByteArrayOutputStream content = new ByteArrayOutputStream();
        content.writeBytes(Der.encode(Der.OID, oid));
        content.writeBytes(parameters);
        return Der.encode(Der.SEQUENCE, content.toByteArray());
    }

    private static byte[] wrap(byte[] algorithmIdentifier, byte[] key) {
        ByteArrayOutputStream content = new ByteArrayOutputStream();
        content.writeBytes(Der.encode(Der.INTEGER, new byte[] {0}));
        content.writeBytes(algorithmIdentifier);
        content.writeBytes(Der.encode(Der.OCTET_STRING, key));
        return Der.encode(Der.SEQUENCE, content.toByteArray());
    }
}

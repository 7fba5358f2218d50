package dev.slb.proxy.tls;

import dev.slb.model.Tls;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;

/**
 * Where one HTTPS listener's PEM certificate chain and private key are read from each time they
 * are checked: two files, or a TLS Secret read through the Kubernetes API.
 */
public interface KeyMaterial {

    /** The certificate chain and key as they are now; fails naming what is missing or unreadable. */
    Pem read() throws TlsException;

    /** The certificate in messages, e.g. {@code certificate file /etc/x/tls.crt} or {@code tls.crt of Secret ns/x}. */
    String certificateLabel();

    /** The private key in messages, e.g. {@code private key file /etc/x/tls.key} or {@code tls.key of Secret ns/x}. */
    String privateKeyLabel();

    /** The pair in a log line, e.g. {@code /etc/x/tls.crt} or {@code Secret ns/x}. */
    String describe();

    /** The two PEM documents as read. */
    record Pem(byte[] certificate, byte[] privateKey) {}

    /** The key material {@code tls} names: its files, or its Secret from {@code secrets}. */
    static KeyMaterial of(Tls tls, SecretStore secrets) throws TlsException {
        if (tls == null) {
            throw new TlsException("an HTTPS listener needs tls (certificate and key files, or a Secret)");
        }
        if (tls.secretName() != null) {
            return new FromSecret(secrets, tls.secretName());
        }
        if (tls.certificateFile() == null || tls.certificateFile().isBlank()) {
            throw new TlsException("an HTTPS listener needs tls.certificateFile (a PEM certificate chain)");
        }
        if (tls.privateKeyFile() == null || tls.privateKeyFile().isBlank()) {
            throw new TlsException("an HTTPS listener needs tls.privateKeyFile (a PEM private key)");
        }
        return new Files(Path.of(tls.certificateFile()), Path.of(tls.privateKeyFile()));
    }

    /** Two PEM files, as the standalone proxy (and a mounted Secret) has them. */
    record Files(Path certificate, Path privateKey) implements KeyMaterial {
        @Override
        public Pem read() throws TlsException {
            return new Pem(read(certificate, "certificate file"), read(privateKey, "private key file"));
        }

        @Override
        public String certificateLabel() {
            return "certificate file " + certificate;
        }

        @Override
        public String privateKeyLabel() {
            return "private key file " + privateKey;
        }

        @Override
        public String describe() {
            return certificate.toString();
        }

        private static byte[] read(Path file, String what) throws TlsException {
            try {
                return java.nio.file.Files.readAllBytes(file);
            } catch (NoSuchFileException e) {
                throw new TlsException(what + " " + file + " does not exist", e);
            } catch (AccessDeniedException e) {
                throw new TlsException(what + " " + file + " cannot be read: permission denied", e);
            } catch (IOException e) {
                throw new TlsException(what + " " + file + " cannot be read: " + e, e);
            }
        }
    }

    /** A kubernetes.io/tls Secret's {@code tls.crt} and {@code tls.key}, as the proxy follows it through the API. */
    record FromSecret(SecretStore secrets, String name) implements KeyMaterial {
        public FromSecret {
            Objects.requireNonNull(secrets, "secrets");
            Objects.requireNonNull(name, "name");
        }

        @Override
        public Pem read() throws TlsException {
            Map<String, byte[]> data;
            try {
                data = secrets.data(name);
            } catch (IOException e) {
                throw new TlsException(e.getMessage(), e);
            }
            return new Pem(key(data, Tls.SECRET_CERTIFICATE_KEY), key(data, Tls.SECRET_PRIVATE_KEY_KEY));
        }

        private byte[] key(Map<String, byte[]> data, String key) throws TlsException {
            byte[] value = data.get(key);
            if (value == null || value.length == 0) {
                throw new TlsException(describe() + " has no " + key + " (a kubernetes.io/tls Secret holds tls.crt"
                        + " and tls.key; kubectl create secret tls makes one)");
            }
            return value;
        }

        @Override
        public String certificateLabel() {
            return Tls.SECRET_CERTIFICATE_KEY + " of " + describe();
        }

        @Override
        public String privateKeyLabel() {
            return Tls.SECRET_PRIVATE_KEY_KEY + " of " + describe();
        }

        @Override
        public String describe() {
            return "Secret " + secrets.namespace() + "/" + name;
        }
    }
}

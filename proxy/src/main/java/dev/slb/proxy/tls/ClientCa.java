package dev.slb.proxy.tls;

import dev.slb.model.ClientAuthentication;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where an HTTPS listener's client CA bundle is read from each time it is checked: key {@code
 * ca.crt} of a Secret read through the API, or a PEM file.
 */
final class ClientCa {
    private static final Logger log = LoggerFactory.getLogger(ClientCa.class);

    private final SecretStore secrets;
    private final String secretName;
    private final Path file;
    private final ClientAuthentication.Mode mode;
    // Guarded by the ReloadingSslContext that owns this: the last problem reported, so it is reported once.
    private String lastProblem;

    /** The CA certificates as read, with the PEM they came from (for the change check). */
    record Bundle(List<X509Certificate> certificates, byte[] pem, ClientAuthentication.Mode mode, String source) {
        String describe() {
            return source + " (" + certificates.size() + " certificate" + (certificates.size() == 1 ? "" : "s") + ")";
        }
    }

    private ClientCa(SecretStore secrets, String secretName, Path file, ClientAuthentication.Mode mode) {
        this.secrets = secrets;
        this.secretName = secretName;
        this.file = file;
        this.mode = mode;
    }

    static ClientCa of(ClientAuthentication auth, SecretStore secrets) throws TlsException {
        if (auth.caSecretName() != null) {
            return new ClientCa(secrets, auth.caSecretName(), null, auth.mode());
        }
        if (auth.caFile() == null || auth.caFile().isBlank()) {
            throw new TlsException("clientAuthentication needs caSecretName (a Secret with ca.crt) or caFile");
        }
        return new ClientCa(null, null, Path.of(auth.caFile()), auth.mode());
    }

    /** The bundle now; fails naming the Secret (and key) or file and the problem. */
    Bundle read() throws TlsException {
        String label = label();
        byte[] pem;
        if (secretName != null) {
            Map<String, byte[]> data;
            try {
                data = secrets.data(secretName);
            } catch (IOException e) {
                throw new TlsException("client CA: " + e.getMessage(), e);
            }
            pem = data.get(ClientAuthentication.SECRET_CA_KEY);
            if (pem == null || pem.length == 0) {
                throw new TlsException("Secret " + secrets.namespace() + "/" + secretName + " has no "
                        + ClientAuthentication.SECRET_CA_KEY + " (the PEM CA certificates client certificates are"
                        + " verified against; kubectl create secret generic " + secretName + " --from-file=ca.crt)");
            }
        } else {
            try {
                pem = Files.readAllBytes(file);
            } catch (NoSuchFileException e) {
                throw new TlsException("client CA file " + file + " does not exist", e);
            } catch (IOException e) {
                throw new TlsException("client CA file " + file + " cannot be read: " + e, e);
            }
        }
        return new Bundle(Pem.certificates(pem, label), pem, mode, label);
    }

    String describe(ClientAuthentication auth) {
        return auth.mode().json().toLowerCase(java.util.Locale.ROOT) + ", verified against " + label();
    }

    void problem(String message) {
        if (!message.equals(lastProblem)) {
            lastProblem = message;
            log.warn("TLS {}; the previous CA bundle stays in use", message);
        }
    }

    void clearProblem() {
        lastProblem = null;
    }

    private String label() {
        return secretName != null
                ? ClientAuthentication.SECRET_CA_KEY + " of Secret " + secrets.namespace() + "/" + secretName
                : "client CA file " + file;
    }
}

package dev.slb.local;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A self-signed certificate for the demo's HTTPS and wss listeners, valid for localhost and the
 * loopback addresses local/ gives load balancers, made with the JDK's own keytool (no openssl
 * assumed) and written as PEM: {@code tls.crt} (also the CA clients trust) and {@code tls.key}.
 */
final class DemoCertificate {

    private DemoCertificate() {}

    /** Writes {@code tls.crt} and {@code tls.key} into {@code dir}, valid for these IP addresses. */
    static void write(Path dir, List<String> ips) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        Path store = dir.resolve("demo.p12");
        Files.deleteIfExists(store);
        String password = "local-demo";
        StringBuilder san = new StringBuilder("SAN=dns:localhost");
        for (String ip : ips) {
            san.append(",ip:").append(ip);
        }
        String keytool =
                Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
        List<String> command = new ArrayList<>(List.of(
                keytool,
                "-genkeypair",
                "-noprompt",
                "-alias",
                "demo",
                "-keyalg",
                "EC",
                "-groupname",
                "secp256r1",
                "-sigalg",
                "SHA256withECDSA",
                "-validity",
                "30",
                "-dname",
                "CN=slb local demo",
                "-ext",
                san.toString(),
                "-ext",
                "BC:c=ca:false",
                "-keystore",
                store.toString(),
                "-storetype",
                "PKCS12",
                "-storepass",
                password,
                "-keypass",
                password));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output;
        try (InputStream in = p.getInputStream()) {
            output = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException("keytool could not make the demo certificate: " + output.strip());
        }
        try (InputStream in = Files.newInputStream(store)) {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(in, password.toCharArray());
            Key key = ks.getKey("demo", password.toCharArray());
            Certificate cert = ks.getCertificate("demo");
            Files.writeString(dir.resolve("tls.crt"), pem("CERTIFICATE", cert.getEncoded()), StandardCharsets.US_ASCII);
            Files.writeString(dir.resolve("tls.key"), pem("PRIVATE KEY", key.getEncoded()), StandardCharsets.US_ASCII);
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot read the demo certificate back: " + e.getMessage(), e);
        } finally {
            Files.deleteIfExists(store);
        }
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                        .encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }
}

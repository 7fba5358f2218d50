package dev.slb.proxy.testing;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/** {@code java.net.http} clients the way tests use them: HTTP/1.1 unless a test says otherwise, bounded waits. */
public final class TestingClients {
    public static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(20);

    private TestingClients() {}

    /** A client forced to HTTP/1.1 (no h2c upgrade), with its own connection pool. */
    public static HttpClient http11() {
        return HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5))
                .build();
    }

    /** An SSL context that trusts the one certificate in the PEM file {@code certificate}, as tests' TLS clients do. */
    public static SSLContext trusting(Path certificate) throws Exception {
        KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
        trust.load(null, null);
        try (InputStream in = Files.newInputStream(certificate)) {
            trust.setCertificateEntry(
                    "trusted", CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        return ctx;
    }

    public static HttpRequest.Builder get(URI uri) {
        return HttpRequest.newBuilder(uri).timeout(REQUEST_TIMEOUT).GET();
    }

    /** GET, body as text. */
    public static HttpResponse<String> getText(HttpClient client, URI uri) throws IOException, InterruptedException {
        return client.send(get(uri).build(), HttpResponse.BodyHandlers.ofString());
    }
}

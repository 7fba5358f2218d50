package dev.slb.images;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** HTTP clients for the containers' listeners and admin ports: plain, and trusting a test certificate. */
final class TestingHttp {
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(10);

    private TestingHttp() {}

    static HttpClient plain() {
        return HttpClient.newBuilder().connectTimeout(CONNECT_TIMEOUT).build();
    }

    static HttpClient trusting(TestingCertificate certificate) throws Exception {
        return HttpClient.newBuilder()
                .connectTimeout(CONNECT_TIMEOUT)
                .sslContext(certificate.trustingIt())
                .build();
    }

    static HttpResponse<String> get(HttpClient client, String uri) throws Exception {
        return client.send(
                HttpRequest.newBuilder(URI.create(uri)).timeout(REQUEST_TIMEOUT).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}

package dev.slb.local;

import java.security.cert.X509Certificate;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/** TLS for the end-to-end tests' clients. */
final class TestingTls {
    private TestingTls() {}

    /**
     * Trusts whatever the demo listeners present. The tests compare certificates themselves where it
     * matters, and connections held across a renewal must outlive it to a certificate no trust
     * store knew before.
     */
    static SSLContext trustAll() throws Exception {
        SSLContext ssl = SSLContext.getInstance("TLS");
        ssl.init(
                null,
                new TrustManager[] {
                    new X509TrustManager() {
                        @Override
                        public void checkClientTrusted(X509Certificate[] chain, String authType) {}

                        @Override
                        public void checkServerTrusted(X509Certificate[] chain, String authType) {}

                        @Override
                        public X509Certificate[] getAcceptedIssuers() {
                            return new X509Certificate[0];
                        }
                    }
                },
                null);
        return ssl;
    }
}

package dev.slb.model;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;

/**
 * Where an HTTPS listener finds its certificate and key, and the policy it offers. The files are
 * PEM, as a mounted Kubernetes TLS Secret provides them ({@code tls.crt}, {@code tls.key}); the
 * proxy reloads them when they change. Keys never travel inside the config itself.
 *
 * @param certificateFile PEM certificate chain, leaf first
 * @param privateKeyFile  PEM private key (PKCS#8, or PKCS#1 RSA)
 * @param policy          protocol versions and cipher suites offered
 */
@JsonPropertyOrder({"certificateFile", "privateKeyFile", "policy"})
public record Tls(String certificateFile, String privateKeyFile, TlsPolicy policy) {
    public Tls {
        policy = policy == null ? TlsPolicy.DEFAULT : policy;
    }
}

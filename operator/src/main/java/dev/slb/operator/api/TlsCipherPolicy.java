package dev.slb.operator.api;

import com.fasterxml.jackson.annotation.JsonProperty;

/** The TLS versions and cipher suites an HTTPS listener offers (see proxy/TLS.md). */
public enum TlsCipherPolicy {
    @JsonProperty("tls_cipher_policy_1_0")
    TLS_CIPHER_POLICY_1_0,
    @JsonProperty("tls_cipher_policy_1_1")
    TLS_CIPHER_POLICY_1_1,
    @JsonProperty("tls_cipher_policy_1_2")
    TLS_CIPHER_POLICY_1_2,
    @JsonProperty("tls_cipher_policy_1_2_strict")
    TLS_CIPHER_POLICY_1_2_STRICT,
    @JsonProperty("tls_cipher_policy_1_2_strict_with_1_3")
    TLS_CIPHER_POLICY_1_2_STRICT_WITH_1_3
}

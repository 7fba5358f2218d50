package dev.slb.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.annotation.JsonValue;
import java.time.Duration;
import java.util.Locale;

/**
 * Keeps a TCP listener's clients on one backend by their source address: consistent hashing over the
 * healthy backends picks it, so every replica picks the same with nothing shared, and each replica
 * remembers its pick for {@code timeout} so a client does not move back and forth while a backend flaps.
 *
 * @param type    SOURCE_IP, the only kind: the client's address (not its port) is the key
 * @param timeout how long a replica keeps a client's backend after its last new connection, 0 s to 1 h
 *                (default {@value #DEFAULT_TIMEOUT_SECONDS} s); 0 keeps nothing, so the hash alone decides
 *                and a client follows the healthy set at once
 */
@JsonPropertyOrder({"type", "timeout"})
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Persistence(Type type, Duration timeout) {
    public static final int DEFAULT_TIMEOUT_SECONDS = 300;
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(DEFAULT_TIMEOUT_SECONDS);
    public static final int MAX_TIMEOUT_SECONDS = 3600;
    public static final Duration MAX_TIMEOUT = Duration.ofSeconds(MAX_TIMEOUT_SECONDS);

    /** What identifies a client. */
    public enum Type {
        SOURCE_IP;

        @JsonValue
        String json() {
            return "SourceIP";
        }

        @JsonCreator
        static Type parse(String value) {
            String v = value.toUpperCase(Locale.ROOT).replace("_", "");
            if (v.equals("SOURCEIP")) {
                return SOURCE_IP;
            }
            throw new IllegalArgumentException("'" + value + "' is not a persistence type (SourceIP)");
        }
    }

    public Persistence {
        type = type == null ? Type.SOURCE_IP : type;
        timeout = timeout == null ? DEFAULT_TIMEOUT : timeout;
    }

    /** Source-address persistence with {@code timeout}. */
    public static Persistence sourceIp(Duration timeout) {
        return new Persistence(Type.SOURCE_IP, timeout);
    }
}

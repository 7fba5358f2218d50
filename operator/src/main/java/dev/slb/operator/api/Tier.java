package dev.slb.operator.api;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonValue;

/**
 * An instance tier: what the instance sells per second and at once. {@code shared} is best
 * effort with no WebSocket; the others are guaranteed-performance specs.
 */
public enum Tier {
    @JsonProperty("shared")
    SHARED("shared", 0, 0, 0),
    @JsonProperty("slb.s1.small")
    S1_SMALL("slb.s1.small", 5_000, 3_000, 1_000),
    @JsonProperty("slb.s2.small")
    S2_SMALL("slb.s2.small", 50_000, 5_000, 5_000),
    @JsonProperty("slb.s2.medium")
    S2_MEDIUM("slb.s2.medium", 100_000, 10_000, 10_000),
    @JsonProperty("slb.s3.small")
    S3_SMALL("slb.s3.small", 200_000, 20_000, 20_000),
    @JsonProperty("slb.s3.medium")
    S3_MEDIUM("slb.s3.medium", 500_000, 50_000, 30_000),
    @JsonProperty("slb.s3.large")
    S3_LARGE("slb.s3.large", 1_000_000, 100_000, 50_000),
    @JsonProperty("slb.s3.xlarge")
    S3_XLARGE("slb.s3.xlarge", 2_000_000, 200_000, 100_000),
    @JsonProperty("slb.s3.xxlarge")
    S3_XXLARGE("slb.s3.xxlarge", 5_000_000, 500_000, 100_000);

    private final String wireName;
    private final long maxConnections;
    private final long newConnectionsPerSecond;
    private final long requestsPerSecond;

    Tier(String wireName, long maxConnections, long newConnectionsPerSecond, long requestsPerSecond) {
        this.wireName = wireName;
        this.maxConnections = maxConnections;
        this.newConnectionsPerSecond = newConnectionsPerSecond;
        this.requestsPerSecond = requestsPerSecond;
    }

    @JsonValue
    public String wireName() {
        return wireName;
    }

    @JsonCreator
    public static Tier parse(String value) {
        for (Tier t : values()) {
            if (t.wireName.equals(value)) {
                return t;
            }
        }
        throw new IllegalArgumentException("'" + value + "' is not a tier");
    }

    /** True for the tiers that include WebSocket and guaranteed limits. */
    public boolean guaranteed() {
        return this != SHARED;
    }

    /** Instance-wide limits; zero on {@code shared}, which has none. */
    public long maxConnections() {
        return maxConnections;
    }

    public long newConnectionsPerSecond() {
        return newConnectionsPerSecond;
    }

    public long requestsPerSecond() {
        return requestsPerSecond;
    }

    @Override
    public String toString() {
        return wireName;
    }
}

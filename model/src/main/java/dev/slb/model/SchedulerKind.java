package dev.slb.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** How a listener spreads new connections over its backends. */
public enum SchedulerKind {
    /** Smooth weighted round robin: the default. */
    WRR,
    /** Weighted least connections. */
    WLC,
    /** Plain round robin; weights only decide whether a backend takes new connections (weight 0 does not). */
    RR;

    @JsonValue
    String json() {
        return name().toLowerCase(Locale.ROOT);
    }

    @JsonCreator
    static SchedulerKind parse(String value) {
        return Enums.parse(SchedulerKind.class, value.toUpperCase(Locale.ROOT), value);
    }
}

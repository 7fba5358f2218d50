package dev.slb.model;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** Enum parsing whose error lists the accepted values, as a person would type them. */
final class Enums {
    private Enums() {}

    static <E extends Enum<E>> E parse(Class<E> type, String upperCased, String original) {
        for (E constant : type.getEnumConstants()) {
            if (constant.name().equals(upperCased)) {
                return constant;
            }
        }
        String accepted = Arrays.stream(type.getEnumConstants())
                .map(e -> type == Protocol.class ? e.name() : e.name().toLowerCase(Locale.ROOT))
                .collect(Collectors.joining(", "));
        throw new IllegalArgumentException("'" + original + "' is not one of " + accepted);
    }
}

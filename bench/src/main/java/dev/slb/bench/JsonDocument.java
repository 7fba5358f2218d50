package dev.slb.bench;

import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Random;

/**
 * The body the echo backend serves on {@link EchoBackendHandler#JSON_PATH}: a 16 KiB JSON
 * document shaped like an API's list response, the same bytes on every run, for the compression
 * scenario.
 *
 * <p>Its values vary (from a fixed seed) the way real records do, so gzip gets the ratio it gets on
 * such data (about 4:1 to 5:1) rather than the near-total ratio of one repeated string, which
 * would make compressing look cheaper per KiB than it is.
 */
final class JsonDocument {
    private JsonDocument() {}

    /** Exactly this many bytes: the scenario's figures are per 16 KiB response. */
    static final int SIZE = 16 * 1024;

    private static final String[] NAMES = {
        "Ada", "Grace", "Linus", "Barbara", "Ken", "Margaret", "Dennis", "Frances", "Edsger", "Radia"
    };
    private static final String[] TAGS = {"alpha", "beta", "gamma", "delta", "edge", "core", "eu-west", "us-east"};
    private static final String[] STATES = {"active", "suspended", "pending", "closed"};

    private static final byte[] BYTES = build();

    /** The document; callers must not change it. */
    static byte[] bytes() {
        return BYTES;
    }

    private static byte[] build() {
        Random random = new Random(0x6a736f6eL);
        StringBuilder json = new StringBuilder(SIZE).append("{\"items\":[");
        // The closing part is `],"cursor":"…"}` with the cursor filling the document to SIZE.
        int closing = "],\"cursor\":\"\"}".length() + 8;
        for (int id = 1; ; id++) {
            String item = item(id, random);
            int separator = id == 1 ? 0 : 1;
            if (json.length() + separator + item.length() + closing > SIZE) {
                break;
            }
            if (separator == 1) {
                json.append(',');
            }
            json.append(item);
        }
        json.append("],\"cursor\":\"");
        int cursor = SIZE - json.length() - 2;
        for (int i = 0; i < cursor; i++) {
            json.append((char) ('a' + random.nextInt(26)));
        }
        json.append("\"}");
        byte[] bytes = json.toString().getBytes(StandardCharsets.US_ASCII);
        if (bytes.length != SIZE) {
            throw new IllegalStateException("the JSON document came out at " + bytes.length + " bytes, not " + SIZE);
        }
        return bytes;
    }

    private static String item(int id, Random random) {
        String name = NAMES[random.nextInt(NAMES.length)];
        return "{\"id\":" + id
                + ",\"name\":\"" + name + " " + (char) ('A' + random.nextInt(26)) + ".\""
                + ",\"email\":\"" + name.toLowerCase(Locale.ROOT) + id + "@example.com\""
                + ",\"state\":\"" + STATES[random.nextInt(STATES.length)] + "\""
                + ",\"score\":" + random.nextInt(100_000)
                + ",\"ratio\":" + (random.nextInt(10_000) / 100.0)
                + ",\"tags\":[\"" + TAGS[random.nextInt(TAGS.length)] + "\",\"" + TAGS[random.nextInt(TAGS.length)]
                + "\"]"
                + ",\"created\":\"2026-" + two(1 + random.nextInt(12)) + "-" + two(1 + random.nextInt(28)) + "T"
                + two(random.nextInt(24)) + ":" + two(random.nextInt(60)) + ":" + two(random.nextInt(60)) + "Z\""
                + ",\"token\":\"" + Long.toHexString(random.nextLong()) + "\"}";
    }

    private static String two(int n) {
        return n < 10 ? "0" + n : Integer.toString(n);
    }
}

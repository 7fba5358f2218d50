package dev.slb.local.apiserver.schema;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.DateTimeException;
import java.time.LocalDate;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The string formats the API server checks, with the checks of its format registry. */
final class Formats {

    static final Set<String> SUPPORTED = Set.of(
            "bsonobjectid",
            "uri",
            "email",
            "hostname",
            "ipv4",
            "ipv6",
            "cidr",
            "mac",
            "uuid",
            "uuid3",
            "uuid4",
            "uuid5",
            "isbn",
            "isbn10",
            "isbn13",
            "creditcard",
            "ssn",
            "hexcolor",
            "rgbcolor",
            "byte",
            "password",
            "date",
            "duration",
            "datetime");
    private static final Pattern HOSTNAME =
            Pattern.compile("^([a-zA-Z0-9\\p{S}\\p{L}]((-?[a-zA-Z0-9\\p{S}\\p{L}]{0,62})?)"
                    + "|([a-zA-Z0-9\\p{S}\\p{L}](([a-zA-Z0-9-\\p{S}\\p{L}]{0,61}[a-zA-Z0-9\\p{S}\\p{L}])?)(\\.)){1,}"
                    + "([a-zA-Z\\p{L}]){2,63})$");
    private static final Pattern UUID =
            Pattern.compile("(?i)^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$");
    private static final Pattern UUID3 =
            Pattern.compile("(?i)^[0-9a-f]{8}-?[0-9a-f]{4}-?3[0-9a-f]{3}-?[0-9a-f]{4}-?[0-9a-f]{12}$");
    private static final Pattern UUID4 =
            Pattern.compile("(?i)^[0-9a-f]{8}-?[0-9a-f]{4}-?4[0-9a-f]{3}-?[89ab][0-9a-f]{3}-?[0-9a-f]{12}$");
    private static final Pattern UUID5 =
            Pattern.compile("(?i)^[0-9a-f]{8}-?[0-9a-f]{4}-?5[0-9a-f]{3}-?[89ab][0-9a-f]{3}-?[0-9a-f]{12}$");
    private static final Pattern DATE = Pattern.compile("^(\\d{4})-(\\d{2})-(\\d{2})$");
    private static final Pattern TIME =
            Pattern.compile("^([0-9]{2}):([0-9]{2}):([0-9]{2})(.[0-9]+)?(z|([+-][0-9]{2}:[0-9]{2}))$");
    private static final Pattern GO_DURATION =
            Pattern.compile("^[-+]?(0|(([0-9]+(\\.[0-9]*)?|\\.[0-9]+)(ns|us|µs|μs|ms|s|m|h))+)$");
    private static final Pattern DURATION_PART = Pattern.compile("((\\d+)\\s*([A-Za-zµ]+))");
    private static final List<List<String>> DURATION_UNITS = List.of(
            List.of("ns", "nano"),
            List.of("us", "µs", "micro"),
            List.of("ms", "milli"),
            List.of("s", "sec"),
            List.of("m", "min"),
            List.of("h", "hr", "hour"),
            List.of("d", "day"),
            List.of("w", "wk", "week"));
    private static final Pattern BASE64 =
            Pattern.compile("^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{4})$");
    private static final Pattern MAC = Pattern.compile("^(?:[0-9a-fA-F]{2}(?:[:-][0-9a-fA-F]{2}){5}"
            + "|[0-9a-fA-F]{2}(?:[:-][0-9a-fA-F]{2}){7}|[0-9a-fA-F]{2}(?:[:-][0-9a-fA-F]{2}){19}"
            + "|[0-9a-fA-F]{4}(?:\\.[0-9a-fA-F]{4}){2}|[0-9a-fA-F]{4}(?:\\.[0-9a-fA-F]{4}){3}"
            + "|[0-9a-fA-F]{4}(?:\\.[0-9a-fA-F]{4}){9})$");
    private static final Pattern BYTE_255 = Pattern.compile("(0|[1-9]\\d?|1\\d\\d?|2[0-4]\\d|25[0-5])");
    private static final Pattern RGB =
            Pattern.compile("^rgb\\(\\s*" + BYTE_255 + "\\s*,\\s*" + BYTE_255 + "\\s*,\\s*" + BYTE_255 + "\\s*\\)$");
    private static final Pattern HEXCOLOR = Pattern.compile("^#?([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$");
    private static final Pattern SSN = Pattern.compile("^\\d{3}[- ]?\\d{2}[- ]?\\d{4}$");
    private static final Pattern BSON = Pattern.compile("^[0-9a-fA-F]{24}$");
    private static final Pattern CREDIT_CARD = Pattern.compile("^(?:4[0-9]{12}(?:[0-9]{3})?|5[1-5][0-9]{14}"
            + "|6(?:011|5[0-9][0-9])[0-9]{12}|3[47][0-9]{13}|3(?:0[0-5]|[68][0-9])[0-9]{11}"
            + "|(?:2131|1800|35\\d{3})\\d{11})$");
    private static final Pattern SCHEME = Pattern.compile("^[a-zA-Z][a-zA-Z0-9+.-]*:.*");
    private static final Pattern EMAIL = Pattern.compile("^[^@\\s<>()\\[\\],;:\"]+@[^@\\s<>()\\[\\],;:\"]+$");

    private Formats() {}

    static boolean valid(String format, String s) {
        return switch (format) {
            case "datetime" -> dateTime(s);
            case "date" -> date(s);
            case "duration" -> duration(s);
            case "byte" -> BASE64.matcher(s).matches();
            case "password" -> true;
            case "ipv4" -> ip(s) && s.contains(".");
            case "ipv6" -> ip(s) && s.contains(":");
            case "cidr" -> cidr(s);
            case "mac" -> MAC.matcher(s).matches();
            case "uuid" -> UUID.matcher(s).matches();
            case "uuid3" -> UUID3.matcher(s).matches();
            case "uuid4" -> UUID4.matcher(s).matches();
            case "uuid5" -> UUID5.matcher(s).matches();
            case "hostname" -> hostname(s);
            case "email" -> email(s);
            case "uri" -> uri(s);
            case "bsonobjectid" -> BSON.matcher(s).matches();
            case "hexcolor" -> HEXCOLOR.matcher(s).matches();
            case "rgbcolor" -> RGB.matcher(s).matches();
            case "ssn" -> s.length() == 11 && SSN.matcher(s).matches();
            case "isbn" -> isbn10(s) || isbn13(s);
            case "isbn10" -> isbn10(s);
            case "isbn13" -> isbn13(s);
            case "creditcard" -> creditCard(s);
            default -> true;
        };
    }

    /** RFC 3339 date-times, checked as loosely as the API server's registry: hour, minute, second ranges. */
    private static boolean dateTime(String s) {
        if (s.length() < 4) {
            return false;
        }
        String[] parts = s.toLowerCase(java.util.Locale.ROOT).split("t", -1);
        if (parts.length < 2 || !date(parts[0])) {
            return false;
        }
        Matcher m = TIME.matcher(parts[1]);
        return m.matches()
                && m.group(1).compareTo("23") <= 0
                && m.group(2).compareTo("59") <= 0
                && m.group(3).compareTo("59") <= 0;
    }

    private static boolean date(String s) {
        Matcher m = DATE.matcher(s);
        if (!m.matches()) {
            return false;
        }
        try {
            LocalDate.of(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3)));
            return true;
        } catch (DateTimeException e) {
            return false;
        }
    }

    /** A Go duration ({@code 1h30m}), or any text with a number and a unit ({@code 3 days}). */
    private static boolean duration(String s) {
        if (GO_DURATION.matcher(s).matches()) {
            return true;
        }
        Matcher m = DURATION_PART.matcher(s);
        while (m.find()) {
            String unit = m.group(3).strip().toLowerCase(java.util.Locale.ROOT);
            for (List<String> variants : DURATION_UNITS) {
                for (int i = 0; i < variants.size(); i++) {
                    if (variants.get(i).equalsIgnoreCase(unit)
                            || i == variants.size() - 1 && unit.startsWith(variants.get(i))) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    /** An IP literal; never a host name, so nothing is resolved. */
    private static boolean ip(String s) {
        if (s.isEmpty() || !s.chars().allMatch(c -> Character.digit(c, 16) >= 0 || c == '.' || c == ':')) {
            return false;
        }
        if (!s.contains(":")) {
            String[] octets = s.split("\\.", -1);
            if (octets.length != 4) {
                return false;
            }
            for (String octet : octets) {
                if (octet.isEmpty()
                        || octet.length() > 3
                        || !octet.chars().allMatch(Character::isDigit)
                        || Integer.parseInt(octet) > 255) {
                    return false;
                }
            }
            return true;
        }
        if (Character.digit(s.charAt(0), 16) < 0 && s.charAt(0) != ':') {
            return false; // InetAddress would take it for a host name and look it up
        }
        try {
            return InetAddress.getByName(s) instanceof Inet6Address || s.contains(".");
        } catch (UnknownHostException e) {
            return false;
        }
    }

    private static boolean cidr(String s) {
        int slash = s.indexOf('/');
        if (slash < 0 || !ip(s.substring(0, slash))) {
            return false;
        }
        String bits = s.substring(slash + 1);
        int max = s.substring(0, slash).contains(":") ? 128 : 32;
        return !bits.isEmpty()
                && bits.length() <= 3
                && bits.chars().allMatch(Character::isDigit)
                && Integer.parseInt(bits) <= max;
    }

    private static boolean hostname(String s) {
        if (!HOSTNAME.matcher(s).matches() || s.length() > 255) {
            return false;
        }
        for (String label : s.split("\\.", -1)) {
            if (label.length() > 63) {
                return false;
            }
        }
        return true;
    }

    /** An address as Go's mail.ParseAddress takes it, approximated: {@code a@b} or {@code Name <a@b>}. */
    private static boolean email(String s) {
        String address = s.strip();
        int open = address.lastIndexOf('<');
        if (open >= 0 && address.endsWith(">")) {
            address = address.substring(open + 1, address.length() - 1);
        }
        return EMAIL.matcher(address).matches();
    }

    /** What Go's url.ParseRequestURI takes, approximated: an absolute URI or an absolute path. */
    private static boolean uri(String s) {
        if (s.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
            return false;
        }
        if (s.startsWith("/")) {
            return true;
        }
        if (!SCHEME.matcher(s).matches()) {
            return false;
        }
        String rest = s.substring(s.indexOf(':') + 1);
        if (rest.startsWith("//")) {
            String authority = rest.substring(2).split("[/?#]", 2)[0];
            return !authority.contains(" ");
        }
        return true;
    }

    private static boolean isbn10(String s) {
        String digits = s.replaceAll("[\\s-]+", "");
        if (!digits.matches("^(?:[0-9]{9}X|[0-9]{10})$")) {
            return false;
        }
        int sum = 0;
        for (int i = 0; i < 9; i++) {
            sum += (i + 1) * (digits.charAt(i) - '0');
        }
        sum += digits.charAt(9) == 'X' ? 100 : 10 * (digits.charAt(9) - '0');
        return sum % 11 == 0;
    }

    private static boolean isbn13(String s) {
        String digits = s.replaceAll("[\\s-]+", "");
        if (!digits.matches("^(?:[0-9]{13})$")) {
            return false;
        }
        int sum = 0;
        for (int i = 0; i < 12; i++) {
            sum += (i % 2 == 0 ? 1 : 3) * (digits.charAt(i) - '0');
        }
        return (10 - sum % 10) % 10 == digits.charAt(12) - '0';
    }

    private static boolean creditCard(String s) {
        String digits = s.replaceAll("[^0-9]+", "");
        if (!CREDIT_CARD.matcher(digits).matches()) {
            return false;
        }
        int sum = 0;
        boolean twice = false;
        for (int i = digits.length() - 1; i >= 0; i--) {
            int d = digits.charAt(i) - '0';
            if (twice) {
                d *= 2;
                d = d > 9 ? d - 9 : d;
            }
            sum += d;
            twice = !twice;
        }
        return sum % 10 == 0;
    }
}

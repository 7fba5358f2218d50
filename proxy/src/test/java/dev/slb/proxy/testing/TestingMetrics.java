package dev.slb.proxy.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A scrape of a proxy's {@code /metrics}, parsed from the Prometheus text format, asked by name and labels. */
public final class TestingMetrics {
    /** One sample line. */
    public record Sample(String name, Map<String, String> labels, double value) {}

    private final String text;
    private final List<Sample> samples;

    private TestingMetrics(String text, List<Sample> samples) {
        this.text = text;
        this.samples = samples;
    }

    public static TestingMetrics scrape(TestingProxy proxy) throws Exception {
        return parse(TestingClients.getText(TestingClients.http11(), proxy.adminUri("/metrics"))
                .body());
    }

    public static TestingMetrics parse(String text) {
        List<Sample> samples = new ArrayList<>();
        for (String line : text.split("\n")) {
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            int brace = line.indexOf('{');
            int space = line.lastIndexOf(' ');
            Map<String, String> labels = new LinkedHashMap<>();
            String name;
            if (brace >= 0 && brace < space) {
                name = line.substring(0, brace);
                int i = brace + 1;
                while (line.charAt(i) != '}') {
                    int eq = line.indexOf('=', i);
                    String key = line.substring(i, eq);
                    StringBuilder value = new StringBuilder();
                    int j = eq + 2; // past ="
                    while (line.charAt(j) != '"') {
                        char c = line.charAt(j);
                        if (c == '\\') {
                            char next = line.charAt(++j);
                            value.append(next == 'n' ? '\n' : next);
                        } else {
                            value.append(c);
                        }
                        j++;
                    }
                    labels.put(key, value.toString());
                    i = j + 1;
                    if (line.charAt(i) == ',') {
                        i++;
                    }
                }
            } else {
                name = line.substring(0, space);
            }
            samples.add(new Sample(name, labels, Double.parseDouble(line.substring(space + 1))));
        }
        return new TestingMetrics(text, samples);
    }

    public String text() {
        return text;
    }

    /** The samples of {@code name} whose labels include {@code labels} (name, value, name, value...). */
    public List<Sample> samples(String name, String... labels) {
        List<Sample> out = new ArrayList<>();
        for (Sample s : samples) {
            if (s.name().equals(name) && matches(s.labels(), labels)) {
                out.add(s);
            }
        }
        return out;
    }

    /** The sum of the samples of {@code name} with these labels, 0 when there is none. */
    public double sum(String name, String... labels) {
        return samples(name, labels).stream().mapToDouble(Sample::value).sum();
    }

    /** The one sample of {@code name} with exactly these labels' values, as a whole number; fails when absent. */
    public long value(String name, String... labels) {
        List<Sample> found = samples(name, labels);
        assertThat(found)
                .as("%s%s in /metrics:%n%s", name, List.of(labels), text)
                .hasSize(1);
        return (long) found.get(0).value();
    }

    public boolean has(String name, String... labels) {
        return !samples(name, labels).isEmpty();
    }

    private static boolean matches(Map<String, String> have, String[] want) {
        for (int i = 0; i + 1 < want.length; i += 2) {
            if (!want[i + 1].equals(have.get(want[i]))) {
                return false;
            }
        }
        return true;
    }
}

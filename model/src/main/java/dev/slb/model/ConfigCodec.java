package dev.slb.model;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;

/**
 * Reads and writes {@link ProxyConfig} as YAML. Output is deterministic (fixed field order, no
 * document marker), so the same config always renders to the same bytes; reading validates, and
 * every error names the field.
 */
public final class ConfigCodec {
    private static final ObjectMapper YAML = JsonMapper.builder(new YAMLFactory()
                    .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
                    .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
                    .enable(YAMLGenerator.Feature.INDENT_ARRAYS_WITH_INDICATOR))
            .addModule(durationModule())
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(MapperFeature.SORT_CREATOR_PROPERTIES_FIRST)
            .disable(SerializationFeature.WRITE_DURATIONS_AS_TIMESTAMPS)
            .build();

    private ConfigCodec() {}

    /** Parses and validates; the result is safe to serve. */
    public static ProxyConfig parse(String yaml) throws InvalidConfigException {
        if (yaml.isBlank()) {
            throw new InvalidConfigException(List.of("the config is empty"));
        }
        ProxyConfig config;
        try {
            config = YAML.readValue(yaml, ProxyConfig.class);
        } catch (JsonMappingException e) {
            throw new InvalidConfigException(List.of(describe(e)));
        } catch (JsonProcessingException e) {
            throw new InvalidConfigException(List.of("not valid YAML: " + e.getOriginalMessage()));
        }
        if (config == null) {
            throw new InvalidConfigException(List.of("the config is empty"));
        }
        List<String> problems = ConfigValidator.validate(config);
        if (!problems.isEmpty()) {
            throw new InvalidConfigException(problems);
        }
        return config;
    }

    public static String write(ProxyConfig config) {
        try {
            return YAML.writeValueAsString(config);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String describe(JsonMappingException e) {
        String path = path(e.getPath());
        String where = path.isEmpty() ? "" : path + ": ";
        if (e instanceof UnrecognizedPropertyException u) {
            return where + "unknown field (known fields: " + u.getKnownPropertyIds() + ")";
        }
        Throwable cause = e.getCause();
        if (cause instanceof IllegalArgumentException || cause instanceof java.time.DateTimeException) {
            return where + cause.getMessage();
        }
        if (e instanceof InvalidFormatException f) {
            return where + "'" + f.getValue() + "' is not a valid "
                    + f.getTargetType().getSimpleName();
        }
        if (e instanceof MismatchedInputException m && m.getTargetType() != null) {
            return where + "has the wrong shape (expected " + shape(m.getTargetType()) + ")";
        }
        return where + e.getOriginalMessage();
    }

    private static String shape(Class<?> type) {
        if (type == String.class || type.isEnum() || type == Duration.class) {
            return "a string";
        }
        if (Number.class.isAssignableFrom(type) || type.isPrimitive()) {
            return "a number";
        }
        if (List.class.isAssignableFrom(type)) {
            return "a list";
        }
        return "an object with fields";
    }

    private static String path(List<JsonMappingException.Reference> refs) {
        StringBuilder sb = new StringBuilder();
        for (JsonMappingException.Reference ref : refs) {
            if (ref.getIndex() >= 0) {
                sb.append('[').append(ref.getIndex()).append(']');
            } else if (ref.getFieldName() != null) {
                if (sb.length() > 0) {
                    sb.append('.');
                }
                sb.append(ref.getFieldName());
            }
        }
        return sb.toString();
    }

    private static SimpleModule durationModule() {
        SimpleModule module = new SimpleModule("slb-durations");
        module.addSerializer(Duration.class, new JsonSerializer<>() {
            @Override
            public void serialize(Duration value, JsonGenerator gen, SerializerProvider serializers)
                    throws IOException {
                gen.writeString(Durations.format(value));
            }
        });
        module.addDeserializer(Duration.class, new JsonDeserializer<>() {
            @Override
            public Duration deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
                return Durations.parse(p.getValueAsString());
            }
        });
        return module;
    }
}

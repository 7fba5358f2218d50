package dev.slb.local.apiserver.rest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;

/** JSON in and out of the API: one mapper, replies, parsed bodies. */
final class Json {

    static final ObjectMapper MAPPER = new ObjectMapper();
    static final String TYPE = "application/json";

    private Json() {}

    static ApiResponse.Reply reply(int code, JsonNode body) {
        return new ApiResponse.Reply(code, TYPE, bytes(body));
    }

    static ApiResponse.Reply reply(int code, byte[] body) {
        return new ApiResponse.Reply(code, TYPE, body);
    }

    static byte[] bytes(JsonNode body) {
        try {
            return MAPPER.writeValueAsBytes(body);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static JsonNode parse(byte[] body, String what) {
        try {
            return MAPPER.readTree(body);
        } catch (IOException e) {
            throw ApiError.badRequest("the request " + what + " is not valid JSON: " + e.getMessage());
        }
    }
}

package dev.slb.local.apiserver.rest;

import java.util.List;
import java.util.Map;

/**
 * One request to the API server, as the HTTP front read it.
 *
 * @param path the path without its query string
 * @param query the decoded query parameters
 */
public record ApiRequest(
        String method, String path, Map<String, List<String>> query, String accept, String contentType, byte[] body) {

    /** The first value of a query parameter, or null. */
    public String param(String name) {
        List<String> values = query.get(name);
        return values == null || values.isEmpty() ? null : values.get(0);
    }

    boolean hasBody() {
        return body != null && body.length > 0;
    }
}

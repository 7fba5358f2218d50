package dev.slb.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import dev.slb.model.StickySession;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

/** Keeps each client of an HTTP/HTTPS listener on one backend by a cookie, on every replica alike. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
        value = "self.type != 'Server' || has(self.cookie)",
        message = "type Server rewrites the backend's own cookie: name it in cookie (for example JSESSIONID)")
@ValidationRule(
        value = "self.type != 'Server' || !has(self.cookieTimeoutSeconds)",
        message = "type Server keeps the backend's own cookie lifetime; remove cookieTimeoutSeconds")
@ValidationRule(
        value = "self.type != 'Server' || !has(self.sameSite)",
        message = "type Server keeps the backend's own cookie attributes; remove sameSite")
public class StickySessionSpec {
    public static final int MAX_COOKIE_TIMEOUT_SECONDS = 86_400;

    /** The Insert cookie's SameSite attribute. */
    public enum SameSite {
        Lax,
        Strict,
        None
    }

    /** Who sets the cookie. */
    public enum Type {
        Insert,
        Server
    }

    @Required
    @JsonPropertyDescription("Insert: the load balancer sets its own cookie naming the backend that answered."
            + " Server: the backend's own session cookie (named in cookie) is rewritten to carry the backend too,"
            + " and given back to the backend as it set it.")
    public Type type;

    @Pattern(StickySession.COOKIE_NAME_PATTERN)
    @Size(max = 64)
    @JsonPropertyDescription("Insert: the name of the load balancer's cookie (default SERVERID); requests a"
            + " forwarding rule sends to a backend group get their own cookie, this name with -<group> after it."
            + " Server: the name of the backend's session cookie to rewrite, for example JSESSIONID (required).")
    public String cookie;

    @Min(1)
    @Max(MAX_COOKIE_TIMEOUT_SECONDS)
    @JsonPropertyDescription("Insert: how long the cookie keeps a client on its backend, 1..86400 seconds (default"
            + " 1000). Not used with Server.")
    public Integer cookieTimeoutSeconds;

    @JsonPropertyDescription("Insert: the cookie's SameSite attribute. Lax (default): browsers send it on this"
            + " site's own requests and when a user follows a link here from another site, not on other sites'"
            + " embedded requests (iframes, fetch). Strict: only on requests this site starts. None: on every"
            + " request, cross-site too; HTTPS listeners only, since browsers take None only with Secure. The"
            + " cookie is always HttpOnly, and Secure on HTTPS listeners. Not used with Server (the backend's"
            + " cookie keeps its own attributes).")
    public SameSite sameSite;
}

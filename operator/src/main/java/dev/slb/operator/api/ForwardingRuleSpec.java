package dev.slb.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import dev.slb.model.ConfigValidator;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

/** Sends an HTTP/HTTPS listener's requests with a matching host and path to a backend group. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "has(self.host) || has(self.path)", message = "a rule needs a host, a path or both")
public class ForwardingRuleSpec {
    @Pattern(ConfigValidator.RULE_HOST_PATTERN)
    @Size(max = 253)
    @JsonPropertyDescription("An exact host (api.example.com) or a wildcard (*.example.com: one or more labels"
            + " before .example.com, not example.com itself), lower case, no port. Compared with the request's Host"
            + " without case or port. Any host when absent. An exact host wins over a wildcard, a longer wildcard"
            + " over a shorter one, and both over a rule without host.")
    public String host;

    @Pattern(ConfigValidator.RULE_PATH_PATTERN)
    @Size(max = 1024)
    @JsonPropertyDescription("A path prefix matched on whole segments: /v1 matches /v1 and /v1/users, not /v10."
            + " Compared without the query and without ASCII case, after the request's path is normalized as a"
            + " backend might read it (percent escapes decoded, ;parameters and empty segments removed), so"
            + " /V1 and //v1 match /v1 too; a path that climbs above the root, has an encoded NUL, or routes"
            + " differently when its dot segments are resolved or %2F, %5C, %3B or %25 is decoded (/x/../v1)"
            + " is answered 400. The request goes to the"
            + " backend as the client sent it. Any path when absent. Among rules whose host ranks the same, the"
            + " longest matching prefix wins. The rule's own path is read the same way, so /API/ and /api, or /v1;x"
            + " and /v1, are one prefix: of rules that read as the same host and path the first written wins, and the"
            + " listener's status warns (RulesDistinct=False, reason RulesCollide). A path that does not read (a '%'"
            + " without two hex digits, %00, a '..' above the root) matches no request spelled that way, and is"
            + " warned about too (reason RulePathUnreadable), as is one that matches otherwise than written (reason"
            + " RulePathAmbiguous): /v1;x matches as /v1, every path under it; /a%2Fb matches only requests that"
            + " spell %2F (or %5C, %3B) escaped too, and those whose decoded reading routes to another backend"
            + " group are refused (400).")
    public String path;

    @Required
    @Size(max = BackendGroupSpec.MAX_NAME_LENGTH)
    @JsonPropertyDescription("The name of an entry of spec.backendGroups the matching requests (WebSocket upgrades"
            + " included) go to.")
    public String backendGroup;
}

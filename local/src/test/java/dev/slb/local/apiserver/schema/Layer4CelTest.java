package dev.slb.local.apiserver.schema;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The CRD's CEL rules on layer-4 settings (persistence, backendProxyProtocol), as cel-java runs them here. */
class Layer4CelTest {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final Path CRD = Path.of("..", "crds", "loadbalancers.slb.dev-v1.yml");
    private static final Path TCP = Path.of("..", "crds", "samples", "tcp.yaml");
    private static JsonNode crd;
    private static ObjectNode sample;

    @BeforeAll
    static void load() throws IOException {
        crd = YAML.readTree(CRD.toFile());
        sample = (ObjectNode) YAML.readTree(TCP.toFile());
    }

    private static List<String> errors(JsonNode object) {
        return CelValidation.validate(crd, "v1alpha1", object, null).stream()
                .map(Violation::error)
                .toList();
    }

    private static ObjectNode listener(ObjectNode lb, int i) {
        return (ObjectNode) lb.withObject("spec").withArray("listeners").get(i);
    }

    @Test
    void theSampleWithPersistenceIsValid() {
        assertThat(listener(sample, 1).has("persistence")).isTrue();
        assertThat(errors(sample)).isEmpty();
    }

    @Test
    void persistenceOnAnHttpListenerIsRefused() {
        ObjectNode lb = sample.deepCopy();
        listener(lb, 1).put("protocol", "HTTP");
        assertThat(errors(lb))
                .containsExactly("spec.listeners[1]: Invalid value: \"object\": only TCP listeners keep clients by"
                        + " source address; HTTP and HTTPS listeners use stickySession");
    }

    @Test
    void theBackendProxyHeaderIsTakenOnTcpAndRefusedOnHttp() {
        ObjectNode lb = sample.deepCopy();
        listener(lb, 0).put("backendProxyProtocol", "v2");
        assertThat(errors(lb)).isEmpty();
        listener(lb, 1).remove("persistence");
        listener(lb, 1).put("protocol", "HTTP").put("backendProxyProtocol", "v1");
        assertThat(errors(lb))
                .containsExactly("spec.listeners[1]: Invalid value: \"object\": only TCP listeners send a PROXY"
                        + " protocol header to backends; HTTP and HTTPS listeners tell them the client in"
                        + " X-Forwarded-For");
    }

    @Test
    void tcpListenersOfAnyKindShareNoPort() {
        ObjectNode lb = sample.deepCopy();
        listener(lb, 1).put("port", 5432);
        assertThat(errors(lb))
                .containsExactly(
                        "spec.listeners: Invalid value: \"array\": listener ports must be unique (TCP, HTTP and"
                                + " HTTPS listeners all use TCP, so none of them may share a port)");
        listener(lb, 1).remove("persistence");
        listener(lb, 1).put("protocol", "HTTP");
        assertThat(errors(lb)).hasSize(1);
    }
}

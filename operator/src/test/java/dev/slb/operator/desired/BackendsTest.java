package dev.slb.operator.desired;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slb.operator.api.BackendSpec;
import dev.slb.operator.api.LoadBalancerSpec;
import dev.slb.operator.api.ServiceBackendRef;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class BackendsTest {
    private static final Service APP = new ServiceBuilder()
            .withNewMetadata()
            .withName("app")
            .endMetadata()
            .withNewSpec()
            .addNewPort()
            .withName("http")
            .withPort(8080)
            .withTargetPort(new IntOrString("web"))
            .endPort()
            .addNewPort()
            .withName("metrics")
            .withPort(9090)
            .withTargetPort(new IntOrString(9090))
            .endPort()
            .endSpec()
            .build();

    private static final EndpointSlice SLICE = new EndpointSliceBuilder()
            .withNewMetadata()
            .withName("app-1")
            .endMetadata()
            .addNewPort()
            .withName("metrics")
            .withPort(9090)
            .endPort()
            .addNewPort()
            .withName("http")
            .withPort(3000)
            .endPort()
            .addNewEndpoint()
            .withAddresses("10.0.0.1")
            .withNewConditions()
            .withReady(true)
            .endConditions()
            .endEndpoint()
            .addNewEndpoint()
            .withAddresses("10.0.0.2")
            .withNewConditions()
            .withReady(false)
            .endConditions()
            .endEndpoint()
            .addNewEndpoint()
            .withAddresses("10.0.0.3")
            .endEndpoint()
            .build();

    @Test
    void theServicePortNamePicksTheEndpointPortAndReadinessIsKept() {
        Backends.Resolution r = Backends.resolve(spec(service("app", 8080)), services(), name -> List.of(SLICE));

        assertThat(r.missing()).isEmpty();
        assertThat(r.endpoints())
                .isEqualTo(Map.of(
                        new ServiceKey("app", 8080),
                        List.of(
                                new ResolvedEndpoint("10.0.0.1", 3000, true),
                                new ResolvedEndpoint("10.0.0.2", 3000, false),
                                // An unknown ready condition counts as ready, as the EndpointSlice API says.
                                new ResolvedEndpoint("10.0.0.3", 3000, true))));
    }

    @Test
    void aMissingServiceOrPortIsNamedAndContributesNoEndpoints() {
        Backends.Resolution r =
                Backends.resolve(spec(service("gone", 80), service("app", 1234)), services(), name -> List.of(SLICE));

        assertThat(r.missing()).containsExactly("Service gone not found", "Service app has no port 1234");
        assertThat(r.endpoints().values()).allSatisfy(e -> assertThat(e).isEmpty());
    }

    @Test
    void staticBackendsNeedNoLookup() {
        BackendSpec b = new BackendSpec();
        b.address = "192.0.2.1";
        b.port = 80;
        Backends.Resolution r = Backends.resolve(
                spec(b),
                name -> {
                    throw new AssertionError("no lookup expected");
                },
                name -> List.of());
        assertThat(r.endpoints()).isEmpty();
        assertThat(r.missing()).isEmpty();
    }

    private static java.util.function.Function<String, Optional<Service>> services() {
        return name -> "app".equals(name) ? Optional.of(APP) : Optional.empty();
    }

    private static BackendSpec service(String name, int port) {
        BackendSpec b = new BackendSpec();
        b.service = new ServiceBackendRef();
        b.service.name = name;
        b.service.port = port;
        return b;
    }

    private static LoadBalancerSpec spec(BackendSpec... backends) {
        LoadBalancerSpec spec = new LoadBalancerSpec();
        spec.backends.addAll(List.of(backends));
        return spec;
    }
}

package dev.slb.operator.desired;

import java.util.List;
import java.util.Map;

/** A fixed endpoint resolution for the samples' Services, with a not-ready endpoint that must be left out. */
final class TestingEndpoints {
    static final Map<ServiceKey, List<ResolvedEndpoint>> RESOLVED = Map.of(
            new ServiceKey("demo-backend", 8080),
                    List.of(
                            new ResolvedEndpoint("10.0.0.12", 8080, true),
                            new ResolvedEndpoint("10.0.0.13", 8080, false),
                            new ResolvedEndpoint("10.0.0.11", 8080, true)),
            new ServiceKey("chat", 8080),
                    List.of(
                            new ResolvedEndpoint("10.0.1.21", 8081, true),
                            new ResolvedEndpoint("10.0.1.22", 8081, true),
                            new ResolvedEndpoint("10.0.1.23", 8081, false)),
            new ServiceKey("chat-canary", 8080), List.of(new ResolvedEndpoint("10.0.1.31", 8081, true)));

    private TestingEndpoints() {}
}

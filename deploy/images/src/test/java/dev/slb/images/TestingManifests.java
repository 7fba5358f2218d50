package dev.slb.images;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Assumptions;

/**
 * The install manifests as a user applies them: {@code kubectl kustomize
 * --load-restrictor=LoadRestrictionsNone deploy/}, the README's command. Without kubectl the
 * tests that need them skip, saying why; under CI they fail.
 */
final class TestingManifests {
    private static List<HasMetadata> rendered;

    private TestingManifests() {}

    static synchronized List<HasMetadata> rendered() throws IOException, InterruptedException {
        if (rendered == null) {
            TestingPodman.Result r;
            try {
                r = TestingPodman.run(
                        List.of(
                                "kubectl",
                                "kustomize",
                                "--load-restrictor=LoadRestrictionsNone",
                                TestingPodman.REPO.resolve("deploy").toString()),
                        Duration.ofSeconds(60));
            } catch (IOException e) {
                if (System.getenv("CI") != null) {
                    throw new AssertionError("CI is set, so kubectl must be on PATH to render deploy/", e);
                }
                Assumptions.abort("skipping: no kubectl on PATH to render deploy/ (" + e.getMessage() + ")");
                throw e;
            }
            rendered = parse(r.ok().out());
        }
        return rendered;
    }

    /** Every object of a multi-document YAML text, in order. */
    static List<HasMetadata> parse(String yaml) {
        Object parsed = new KubernetesSerialization().unmarshal(yaml);
        List<?> documents = parsed instanceof List<?> list ? list : List.of(parsed);
        return documents.stream().map(HasMetadata.class::cast).toList();
    }

    /** The operator's Deployment, as rendered. */
    static Deployment operatorDeployment() throws IOException, InterruptedException {
        return rendered().stream()
                .filter(Deployment.class::isInstance)
                .map(Deployment.class::cast)
                .filter(d -> d.getMetadata().getName().equals("slb-operator"))
                .findFirst()
                .orElseThrow(() -> new AssertionError("deploy/ renders no Deployment slb-operator"));
    }
}

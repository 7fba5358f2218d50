package dev.slb.operator.reconciler;

import dev.slb.operator.api.LoadBalancer;
import dev.slb.operator.desired.Conditions;
import dev.slb.operator.desired.Names;
import dev.slb.operator.desired.StatusAggregator.Note;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records events on LoadBalancers, best effort: an event that cannot be written is logged, never a
 * failed reconcile. Each is named by a hash of what it says and the generation it is about, so the
 * same transition seen twice (a reconcile from a cache that has not caught up with the last status
 * write, a restarted operator) is recorded once: the second create is a 409.
 */
final class EventRecorder {
    private static final Logger LOG = LoggerFactory.getLogger(EventRecorder.class);

    private EventRecorder() {}

    static void record(KubernetesClient client, LoadBalancer lb, Note note, Instant now) {
        String namespace = lb.getMetadata().getNamespace();
        String time = Conditions.format(now);
        String name = lb.getMetadata().getName() + "." + note.reason().name().toLowerCase(Locale.ROOT) + "."
                + hash(lb.getMetadata().getUid() + "\n" + lb.getMetadata().getGeneration() + "\n" + note.reason() + "\n"
                        + note.message());
        try {
            client.v1()
                    .events()
                    .inNamespace(namespace)
                    .resource(new EventBuilder()
                            .withNewMetadata()
                            .withName(name)
                            .withNamespace(namespace)
                            .endMetadata()
                            .withType(note.warning() ? "Warning" : "Normal")
                            .withReason(note.reason().name())
                            .withMessage(note.message())
                            .withInvolvedObject(new ObjectReferenceBuilder()
                                    .withApiVersion(lb.getApiVersion())
                                    .withKind(lb.getKind())
                                    .withName(lb.getMetadata().getName())
                                    .withNamespace(namespace)
                                    .withUid(lb.getMetadata().getUid())
                                    .withResourceVersion(lb.getMetadata().getResourceVersion())
                                    .build())
                            .withNewSource()
                            .withComponent(Names.MANAGER)
                            .endSource()
                            .withFirstTimestamp(time)
                            .withLastTimestamp(time)
                            .withCount(1)
                            .build())
                    .create();
        } catch (KubernetesClientException e) {
            if (e.getCode() == 409) {
                LOG.debug("event {} already recorded", name);
                return;
            }
            LOG.warn(
                    "LoadBalancer {}/{}: could not record the event {} ({}): {}",
                    namespace,
                    lb.getMetadata().getName(),
                    note.reason(),
                    note.message(),
                    e.getMessage());
        } catch (RuntimeException e) {
            LOG.warn(
                    "LoadBalancer {}/{}: could not record the event {}: {}",
                    namespace,
                    lb.getMetadata().getName(),
                    note.reason(),
                    e.toString());
        }
    }

    private static String hash(String text) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 6);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }
}

package dev.slb.operator.desired;

import dev.slb.model.ProxyConfig;
import dev.slb.operator.api.ListenerSpec;
import dev.slb.operator.api.LoadBalancer;
import dev.slb.operator.api.Reason;
import dev.slb.operator.api.Tier;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * What the operator serves for one LoadBalancer, decided from the spec, the tier it serves now
 * (read back from its own ConfigMap, never from status) and the Secrets and Services it found.
 *
 * @param lb          the LoadBalancer as stored (metadata, spec as the user wrote it)
 * @param problems    why the spec cannot be served at all (empty when it can)
 * @param spec        the normalized spec with every listener (null when there are problems): pods
 *                    and the Service are shaped by it, so a Secret that goes missing drops no port
 * @param tier        the tier in effect
 * @param tierProblem a refused tier change; the tier in effect keeps serving
 * @param waiting     listeners left out of the config until their Secret is usable, with why
 *                    ({@link Reason#SecretNotFound} or {@link Reason#InvalidSecret}) and what to do
 * @param missing     what could not be found (Secrets, Services), for ResolvedRefs
 * @param missingSecret whether a Secret (rather than only a Service) is missing
 * @param unusable    Secrets found without tls.crt or tls.key, each with what to do
 * @param waitingDomains for listeners that are served, the SNI domains left out until their Secret
 *                    is usable (they get the listener's own certificate meanwhile), each with why
 * @param served      the spec less the waiting listeners and domains: what the proxies serve (null: nothing)
 * @param config      the proxy config rendered for {@code served} (null: nothing to serve)
 */
public record Decision(
        LoadBalancer lb,
        List<Problem> problems,
        LoadBalancer spec,
        Tier tier,
        Optional<Problem> tierProblem,
        Map<String, Waiting> waiting,
        List<String> missing,
        boolean missingSecret,
        List<String> unusable,
        Map<String, List<Waiting>> waitingDomains,
        LoadBalancer served,
        ProxyConfig config) {

    /** Why one listener is not served, and the sentence that says so. */
    public record Waiting(Reason reason, String message) {}

    /** True when there is a config to write: the spec is valid and some listener can be served. */
    public boolean servable() {
        return config != null;
    }

    public boolean valid() {
        return problems.isEmpty();
    }

    /**
     * Decides. {@code tierServed} is the tier the operator's ConfigMap says it serves (empty for
     * an instance never served, which then starts on {@code spec.tier}); {@code secrets},
     * {@code services} and {@code slices} look objects up by name in the LoadBalancer's namespace;
     * {@code instanceAddress} is the load balancer address of the instance's own Service
     * ({@link ProxyResources#ingressAddresses}), empty while it has none, for listeners that send SLB-IP.
     */
    public static Decision of(
            LoadBalancer lb,
            Optional<Tier> tierServed,
            Function<String, Optional<Secret>> secrets,
            Function<String, Optional<Service>> services,
            Function<String, List<EndpointSlice>> slices,
            OperatorSettings settings,
            Optional<String> instanceAddress) {
        LoadBalancer normalized = Specs.normalize(lb);
        List<Problem> problems = new ArrayList<>();
        Specs.checkName(lb.getMetadata().getName()).ifPresent(problems::add);
        problems.addAll(Specs.validate(normalized.getSpec()));
        Tier requested = normalized.getSpec() == null ? Tier.SHARED : normalized.getSpec().tier;
        Tier inEffect = tierServed.orElse(requested);
        if (!problems.isEmpty()) {
            return new Decision(
                    lb,
                    List.copyOf(problems),
                    null,
                    inEffect,
                    Optional.empty(),
                    Map.of(),
                    List.of(),
                    false,
                    List.of(),
                    Map.of(),
                    null,
                    null);
        }
        Optional<Problem> tierProblem = Specs.checkTierChange(inEffect, requested);
        if (tierProblem.isEmpty()) {
            inEffect = requested;
        }

        String namespace = lb.getMetadata().getNamespace();
        Map<String, Waiting> bySecret = new LinkedHashMap<>();
        List<String> missing = new ArrayList<>();
        List<String> unusable = new ArrayList<>();
        Set<String> certificateSecrets = References.certificateSecrets(normalized);
        Set<String> caSecrets = References.caSecrets(normalized);
        for (String secret : References.secrets(normalized)) {
            Optional<Secret> found = secrets.apply(secret);
            boolean certificate = certificateSecrets.contains(secret);
            String create = certificate
                    ? "kubectl create secret tls " + secret + " -n " + namespace + " --cert=tls.crt --key=tls.key"
                    : "kubectl create secret generic " + secret + " -n " + namespace + " --from-file=ca.crt";
            if (found.isEmpty()) {
                missing.add("Secret " + secret + " not found (" + usedBy(normalized, secret) + "; create it, e.g. "
                        + create + ")");
                bySecret.put(
                        secret,
                        new Waiting(
                                Reason.SecretNotFound,
                                "Secret " + secret + " does not exist; the listener is served once it does (" + create
                                        + ")."));
                continue;
            }
            // What the Secret must hold follows from its uses: a certificate and key, a CA bundle, or both.
            List<String> lacking = new ArrayList<>();
            if (certificate) {
                lacking.addAll(lackingTlsKeys(found.get()));
            }
            if (caSecrets.contains(secret) && !hasKey(found.get(), "ca.crt")) {
                lacking.add("ca.crt");
            }
            if (!lacking.isEmpty()) {
                String fix = "Secret " + secret + " has no " + String.join(" and no ", lacking) + "; re-create it with "
                        + create;
                unusable.add(fix);
                bySecret.put(
                        secret,
                        new Waiting(Reason.InvalidSecret, fix + ". The listener is served once the Secret is usable."));
            }
        }
        Map<String, Waiting> waiting = new LinkedHashMap<>();
        Map<String, List<Waiting>> waitingDomains = new LinkedHashMap<>();
        LoadBalancer served = Specs.normalize(lb);
        served.getSpec().listeners.removeIf(l -> {
            Waiting w = l.tls == null ? null : bySecret.get(l.tls.secretName);
            if (w == null && l.tls != null && l.tls.clientAuthentication != null) {
                // Never served without the client check it asks for: the listener waits for its CA.
                w = bySecret.get(l.tls.clientAuthentication.caSecretName);
            }
            if (w != null) {
                waiting.put(l.name, w);
            }
            return w != null;
        });
        // An SNI certificate waiting for its Secret leaves out that domain alone: it gets the
        // listener's own certificate meanwhile, and everything else is served.
        for (ListenerSpec l : served.getSpec().listeners) {
            if (l.tls == null || l.tls.extraCertificates == null) {
                continue;
            }
            l.tls.extraCertificates.removeIf(c -> {
                Waiting w = bySecret.get(c.secretName);
                if (w != null) {
                    waitingDomains
                            .computeIfAbsent(l.name, k -> new ArrayList<>())
                            .add(new Waiting(
                                    w.reason(),
                                    "the certificate for " + c.domain + " waits for Secret " + c.secretName + " ("
                                            + w.reason() + "); clients asking for " + c.domain
                                            + " get the listener's own certificate until then"));
                }
                return w != null;
            });
        }
        boolean missingSecret = !missing.isEmpty();

        Backends.Resolution resolution = Backends.resolve(normalized.getSpec(), services, slices);
        missing.addAll(resolution.missing());

        ProxyConfig config = served.getSpec().listeners.isEmpty()
                ? null
                : ProxyConfigs.render(served, inEffect, resolution.endpoints(), settings, instanceAddress);
        return new Decision(
                lb,
                List.of(),
                normalized,
                inEffect,
                tierProblem,
                Map.copyOf(waiting),
                List.copyOf(missing),
                missingSecret,
                List.copyOf(unusable),
                Map.copyOf(waitingDomains),
                served.getSpec().listeners.isEmpty() ? null : served,
                config);
    }

    /** Who needs a Secret, for the message that says it is missing. */
    private static String usedBy(LoadBalancer lb, String secret) {
        List<String> users = new ArrayList<>();
        for (ListenerSpec l : lb.getSpec().listeners) {
            if (l.tls == null) {
                continue;
            }
            if (secret.equals(l.tls.secretName)) {
                users.add("listener " + l.name + " is not served until it exists");
            } else if (l.tls.clientAuthentication != null && secret.equals(l.tls.clientAuthentication.caSecretName)) {
                users.add("listener " + l.name + " verifies client certificates against its ca.crt and is not served"
                        + " until it exists");
            }
            if (l.tls.extraCertificates != null) {
                for (var c : l.tls.extraCertificates) {
                    if (secret.equals(c.secretName)) {
                        users.add("listener " + l.name + " serves its own certificate for " + c.domain
                                + " until it exists");
                    }
                }
            }
        }
        return String.join(", ", users);
    }

    /** The Secrets of the listeners left out, sorted. */
    public Set<String> waitingSecrets() {
        Set<String> names = new TreeSet<>();
        if (spec != null) {
            for (ListenerSpec l : spec.getSpec().listeners) {
                if (waiting.containsKey(l.name) && l.tls != null) {
                    names.add(l.tls.secretName);
                }
            }
        }
        return names;
    }

    private static boolean hasKey(Secret secret, String key) {
        return (secret.getData() != null
                        && secret.getData().get(key) != null
                        && !secret.getData().get(key).isEmpty())
                || (secret.getStringData() != null
                        && secret.getStringData().get(key) != null
                        && !secret.getStringData().get(key).isEmpty());
    }

    /** The PEM keys a TLS Secret must carry that this one lacks (empty when it has both). */
    public static List<String> lackingTlsKeys(Secret secret) {
        List<String> lacking = new ArrayList<>();
        for (String key : List.of("tls.crt", "tls.key")) {
            boolean inData = secret.getData() != null
                    && secret.getData().get(key) != null
                    && !secret.getData().get(key).isEmpty();
            boolean inStringData = secret.getStringData() != null
                    && secret.getStringData().get(key) != null
                    && !secret.getStringData().get(key).isEmpty();
            if (!inData && !inStringData) {
                lacking.add(key);
            }
        }
        return lacking;
    }
}

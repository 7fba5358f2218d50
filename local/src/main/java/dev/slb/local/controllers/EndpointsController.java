package dev.slb.local.controllers;

import dev.slb.local.kube.Controller;
import dev.slb.local.kube.Pods;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointPort;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointPortBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The EndpointSlice controller: for each Service with a selector, one EndpointSlice (labelled
 * {@code kubernetes.io/service-name}, owned by the Service) listing the pods it selects that have
 * an address, with the conditions a cluster gives them: {@code ready} (Ready and not being
 * deleted), {@code serving} (Ready, whether or not being deleted) and {@code terminating} (being
 * deleted, for its grace period, while its kubelet drains it). Services without a selector keep
 * the slices their owners write.
 */
public final class EndpointsController extends Controller {

    public static final String SERVICE_NAME_LABEL = "kubernetes.io/service-name";
    static final String MANAGED_BY_LABEL = "endpointslice.kubernetes.io/managed-by";
    static final String MANAGED_BY = "endpointslice-controller.k8s.io";

    private final SharedIndexInformer<Service> services;
    private final SharedIndexInformer<Pod> pods;
    private final SharedIndexInformer<EndpointSlice> slices;

    public EndpointsController(
            KubernetesClient client,
            SharedIndexInformer<Service> services,
            SharedIndexInformer<Pod> pods,
            SharedIndexInformer<EndpointSlice> slices) {
        super("endpointslice-controller", client);
        this.services = services;
        this.pods = pods;
        this.slices = slices;
    }

    @Override
    protected void sync() {
        for (Service s : services.getStore().list()) {
            Map<String, String> selector =
                    s.getSpec() == null ? null : s.getSpec().getSelector();
            if (selector != null && !selector.isEmpty()) {
                guarded("service " + key(s), () -> syncService(s, selector));
            }
        }
    }

    private void syncService(Service s, Map<String, String> selector) {
        String ns = s.getMetadata().getNamespace();
        List<Pod> selected = pods.getStore().list().stream()
                .filter(p -> ns.equals(p.getMetadata().getNamespace()) && Pods.ip(p) != null)
                .filter(p -> p.getMetadata().getLabels() != null
                        && p.getMetadata().getLabels().entrySet().containsAll(selector.entrySet()))
                .sorted(Comparator.comparing(p -> p.getMetadata().getName()))
                .toList();
        List<Endpoint> endpoints = new ArrayList<>();
        for (Pod p : selected) {
            boolean serving = Pods.ready(p);
            boolean terminating = Pods.terminating(p);
            endpoints.add(new EndpointBuilder()
                    .withAddresses(Pods.ip(p))
                    .withNewConditions()
                    .withReady(serving && !terminating)
                    .withServing(serving)
                    .withTerminating(terminating)
                    .endConditions()
                    .withNodeName(p.getSpec().getNodeName())
                    .withTargetRef(new ObjectReferenceBuilder()
                            .withKind("Pod")
                            .withNamespace(ns)
                            .withName(p.getMetadata().getName())
                            .withUid(p.getMetadata().getUid())
                            .build())
                    .build());
        }
        // One slice per Service: the pods a Service selects here come from one template, so they
        // resolve a named target port alike; the first pod that resolves it gives the number.
        List<EndpointPort> ports = new ArrayList<>();
        for (ServicePort port : s.getSpec().getPorts()) {
            Integer number = selected.stream()
                    .map(p -> targetPort(p.getSpec().getContainers().get(0), port))
                    .filter(Objects::nonNull)
                    .findFirst()
                    .orElse(null);
            ports.add(new EndpointPortBuilder()
                    .withName(port.getName())
                    .withProtocol(port.getProtocol() == null ? "TCP" : port.getProtocol())
                    .withPort(number)
                    .build());
        }
        String name = s.getMetadata().getName() + "-local";
        EndpointSlice current = slices.getStore().getByKey(ns + "/" + name);
        // Compared as JSON, as served: a model object read back may differ from a built one in empty parts.
        if (current != null
                && Serialization.asJson(current.getEndpoints()).equals(Serialization.asJson(endpoints))
                && Serialization.asJson(current.getPorts()).equals(Serialization.asJson(ports))) {
            return;
        }
        EndpointSlice slice = new EndpointSliceBuilder()
                .withNewMetadata()
                .withName(name)
                .withNamespace(ns)
                .addToLabels(SERVICE_NAME_LABEL, s.getMetadata().getName())
                .addToLabels(MANAGED_BY_LABEL, MANAGED_BY)
                .addNewOwnerReference()
                .withApiVersion("v1")
                .withKind("Service")
                .withName(s.getMetadata().getName())
                .withUid(s.getMetadata().getUid())
                .withController(true)
                .withBlockOwnerDeletion(true)
                .endOwnerReference()
                .endMetadata()
                .withAddressType("IPv4")
                .withEndpoints(endpoints)
                .withPorts(ports)
                .build();
        try {
            if (current == null) {
                client.resource(slice).create();
            } else {
                slice.getMetadata().setResourceVersion(current.getMetadata().getResourceVersion());
                client.resource(slice).update();
            }
        } catch (KubernetesClientException e) {
            if (e.getCode() != 409) {
                throw e;
            }
            // The informer had not seen this controller's last write yet; its event brings another sync.
        }
    }

    /** The container port a Service port's targetPort names (its number, or a port name). */
    static Integer targetPort(Container c, ServicePort port) {
        IntOrString target = port.getTargetPort();
        if (target == null) {
            return port.getPort();
        }
        if (target.getIntVal() != null) {
            return target.getIntVal();
        }
        for (ContainerPort p : c.getPorts()) {
            if (target.getStrVal().equals(p.getName())) {
                return p.getContainerPort();
            }
        }
        return null;
    }
}

package dev.slb.local.services;

import dev.slb.local.controllers.EndpointsController;
import dev.slb.local.kube.AddressPool;
import dev.slb.local.kube.Controller;
import io.fabric8.kubernetes.api.model.LoadBalancerIngress;
import io.fabric8.kubernetes.api.model.LoadBalancerIngressBuilder;
import io.fabric8.kubernetes.api.model.LoadBalancerStatus;
import io.fabric8.kubernetes.api.model.PortStatus;
import io.fabric8.kubernetes.api.model.PortStatusBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.ServiceStatus;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointPort;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.netty.channel.EventLoopGroup;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The load balancer a cloud gives a Service of type LoadBalancer, with kube-proxy's part: a
 * loopback address of its own per Service ({@code status.loadBalancer}), each Service port opened
 * there, and new connections spread over the endpoints its EndpointSlices list as ready. A Service
 * whose {@code clusterIP} is a loopback address is served on it the same way (local/'s API server
 * allocates no cluster IPs; the demo backend's Service sets one).
 */
public final class ServiceLoadBalancer extends Controller {

    private static final Logger LOG = LoggerFactory.getLogger(ServiceLoadBalancer.class);
    /**
     * The Service annotation naming, comma separated, the ports whose connections start with a
     * PROXY protocol v2 header (the operator writes it for listeners with proxyProtocol: true).
     */
    public static final String PROXY_PROTOCOL_PORTS_ANNOTATION = "slb.dev/proxy-protocol-ports";

    /** Ports that could not be bound are tried again this often. */
    public static final java.time.Duration RETRY = java.time.Duration.ofSeconds(1);

    private final SharedIndexInformer<Service> services;
    private final SharedIndexInformer<EndpointSlice> slices;
    private final AddressPool addresses;
    private final EventLoopGroup network;
    private final Map<String, LocalService> served = new HashMap<>();

    /** One Service of type LoadBalancer, served on a loopback address of its own. */
    private static final class LocalService {
        final InetAddress address;
        final ServiceProxy proxy;
        /** Service port to the port actually served (the same, or port + 10000 without the privilege). */
        final Map<Integer, Integer> ports = new LinkedHashMap<>();

        LocalService(InetAddress address, ServiceProxy proxy) {
            this.address = address;
            this.proxy = proxy;
        }
    }

    public ServiceLoadBalancer(
            KubernetesClient client,
            SharedIndexInformer<Service> services,
            SharedIndexInformer<EndpointSlice> slices,
            AddressPool addresses,
            EventLoopGroup network) {
        super("service-load-balancer", client);
        this.services = services;
        this.slices = slices;
        this.addresses = addresses;
        this.network = network;
    }

    @Override
    protected void sync() {
        Set<String> live = new HashSet<>();
        for (Service s : services.getStore().list()) {
            if (s.getSpec() == null || !(loadBalancer(s) || clusterIp(s) != null)) {
                continue;
            }
            live.add(key(s));
            guarded("service " + key(s), () -> syncService(s));
        }
        for (String gone : List.copyOf(served.keySet())) {
            if (!live.contains(gone)) {
                closeService(gone, served.remove(gone));
            }
        }
    }

    private void syncService(Service s) {
        String key = key(s);
        LocalService local = served.get(key);
        if (local == null) {
            InetAddress address = loadBalancer(s) ? addresses.take() : clusterIp(s);
            local = new LocalService(address, new ServiceProxy(network));
            served.put(key, local);
        }
        // Port by port, as kube-proxy does: a port added or removed leaves the others, and the
        // connections they carry, alone.
        Set<Integer> wanted =
                s.getSpec().getPorts().stream().map(ServicePort::getPort).collect(Collectors.toSet());
        for (Integer gone : List.copyOf(local.ports.keySet())) {
            if (!wanted.contains(gone)) {
                local.proxy.stopListening(gone);
                local.ports.remove(gone);
                LOG.info("service {} port {} no longer served", key, gone);
            }
        }
        for (ServicePort port : s.getSpec().getPorts()) {
            if (!local.ports.containsKey(port.getPort())) {
                LocalService service = local;
                // A port that cannot be bound is said once and tried again at every resync.
                guarded("service " + key + " port " + port.getPort(), () -> listen(key, service, port.getPort()));
            }
        }
        Set<String> withHeader = proxyProtocolPorts(s);
        for (ServicePort port : s.getSpec().getPorts()) {
            local.proxy.proxyProtocol(
                    port.getPort(),
                    withHeader.contains(port.getName()) || withHeader.contains(String.valueOf(port.getPort())));
            local.proxy.endpoints(port.getPort(), ready(s, port));
        }
        if (loadBalancer(s)) {
            publishStatus(s, local);
        }
    }

    /** The port names (or numbers) the Service's annotation asks a PROXY header for; empty without one. */
    static Set<String> proxyProtocolPorts(Service s) {
        Map<String, String> annotations = s.getMetadata().getAnnotations();
        String value = annotations == null ? null : annotations.get(PROXY_PROTOCOL_PORTS_ANNOTATION);
        if (value == null || value.isBlank()) {
            return Set.of();
        }
        Set<String> ports = new HashSet<>();
        for (String port : value.split(",")) {
            if (!port.isBlank()) {
                ports.add(port.strip());
            }
        }
        return ports;
    }

    private static boolean loadBalancer(Service s) {
        return "LoadBalancer".equals(s.getSpec().getType());
    }

    /** The Service's cluster IP when it is a loopback address, which this machine can serve. */
    private static InetAddress clusterIp(Service s) {
        String ip = s.getSpec().getClusterIP();
        if (ip == null || !ip.startsWith("127.")) {
            return null;
        }
        try {
            return InetAddress.getByName(ip);
        } catch (java.net.UnknownHostException e) {
            return null;
        }
    }

    private void listen(String key, LocalService local, int port) throws IOException {
        int fallback = port < 1024 ? port + 10000 : port;
        int servedOn = local.proxy.listen(local.address, port, fallback);
        local.ports.put(port, servedOn);
        LOG.info("service {} port {} served on {}:{}", key, port, local.address.getHostAddress(), servedOn);
    }

    private void closeService(String key, LocalService local) {
        local.proxy.close();
        addresses.release(local.address); // a cluster IP is not in the pool, and stays out of it
        LOG.info("service {} no longer served on {}", key, local.address.getHostAddress());
    }

    /** The ready endpoints of the Service's slices, at the port its slices give for this Service port. */
    private List<InetSocketAddress> ready(Service s, ServicePort port) {
        List<InetSocketAddress> ready = new ArrayList<>();
        for (EndpointSlice slice : slices.getStore().list()) {
            if (!s.getMetadata().getNamespace().equals(slice.getMetadata().getNamespace())
                    || slice.getMetadata().getLabels() == null
                    || !s.getMetadata()
                            .getName()
                            .equals(slice.getMetadata().getLabels().get(EndpointsController.SERVICE_NAME_LABEL))) {
                continue;
            }
            Integer number = slice.getPorts().stream()
                    .filter(p -> Objects.equals(blankIsNull(p.getName()), blankIsNull(port.getName())))
                    .map(EndpointPort::getPort)
                    .filter(Objects::nonNull)
                    .findFirst()
                    .orElse(null);
            if (number == null) {
                continue;
            }
            for (Endpoint e : slice.getEndpoints()) {
                // As kube-proxy reads it: a ready condition left out means ready.
                boolean isReady = e.getConditions() == null
                        || e.getConditions().getReady() == null
                        || e.getConditions().getReady();
                if (isReady) {
                    for (String address : e.getAddresses()) {
                        ready.add(new InetSocketAddress(address, number));
                    }
                }
            }
        }
        return ready;
    }

    private static String blankIsNull(String s) {
        return s == null || s.isEmpty() ? null : s;
    }

    private void publishStatus(Service s, LocalService local) {
        List<PortStatus> portStatus = new ArrayList<>();
        for (Map.Entry<Integer, Integer> e : local.ports.entrySet()) {
            if (!e.getKey().equals(e.getValue())) {
                // A port below 1024 without the privilege to bind it: served on port + 10000 instead.
                portStatus.add(new PortStatusBuilder()
                        .withPort(e.getKey())
                        .withProtocol("TCP")
                        .withError("slb.dev/ServedOnPort" + e.getValue())
                        .build());
            }
        }
        LoadBalancerIngress ingress = new LoadBalancerIngressBuilder()
                .withIp(local.address.getHostAddress())
                .withIpMode("VIP")
                .withPorts(portStatus.isEmpty() ? null : portStatus)
                .build();
        List<LoadBalancerIngress> current =
                s.getStatus() == null || s.getStatus().getLoadBalancer() == null
                        ? null
                        : s.getStatus().getLoadBalancer().getIngress();
        if (current != null && current.size() == 1 && current.get(0).equals(ingress)) {
            return;
        }
        try {
            client.services()
                    .inNamespace(s.getMetadata().getNamespace())
                    .withName(s.getMetadata().getName())
                    .editStatus(x -> {
                        if (x.getStatus() == null) {
                            x.setStatus(new ServiceStatus());
                        }
                        x.getStatus().setLoadBalancer(new LoadBalancerStatus(List.of(ingress)));
                        return x;
                    });
        } catch (KubernetesClientException e) {
            LOG.debug("cannot write the status of service {}: {}", key(s), e.getMessage());
        }
    }

    /** Closes every Service address, then stops. */
    @Override
    public void close() {
        onLoop(() -> {
            served.forEach(this::closeService);
            served.clear();
            return null;
        });
        super.close();
    }
}

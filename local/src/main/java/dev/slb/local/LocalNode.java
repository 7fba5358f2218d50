package dev.slb.local;

import dev.slb.local.controllers.DeploymentController;
import dev.slb.local.controllers.EndpointsController;
import dev.slb.local.kube.AddressPool;
import dev.slb.local.pods.Containers;
import dev.slb.local.pods.PodRunner;
import dev.slb.local.services.ServiceLoadBalancer;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.netty.channel.EventLoopGroup;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;

/**
 * What a cluster runs besides its API server, on one machine: the Deployment and EndpointSlice
 * controllers, the kubelet of the one node (pods as local processes) and the Services' load
 * balancer, each a client of the API server that follows its watches, sharing one informer per
 * kind.
 */
public final class LocalNode implements AutoCloseable {

    /**
     * How pods and Services are run.
     *
     * @param launcher the command that stands for the proxy image's entrypoint (e.g. {@code proxy/bin/slb-proxy})
     * @param imageFiles where the image's files are here, by path prefix, for containers that name a command
     * @param environment added to every pod's environment (e.g. KUBECONFIG)
     * @param network the Services' relays run on it; the caller owns it
     * @param containers how pods run as containers (local/bin/up --containers), or null to run them as processes
     */
    public record Settings(
            Path podsDir,
            List<String> launcher,
            Map<String, String> imageFiles,
            Map<String, String> environment,
            AddressPool podAddresses,
            AddressPool serviceAddresses,
            EventLoopGroup network,
            Containers containers,
            Clock clock) {

        /** Pods that run the proxy's entrypoint only, as processes. */
        public Settings(
                Path podsDir,
                List<String> launcher,
                Map<String, String> environment,
                AddressPool podAddresses,
                AddressPool serviceAddresses,
                EventLoopGroup network,
                Clock clock) {
            this(podsDir, launcher, Map.of(), environment, podAddresses, serviceAddresses, network, null, clock);
        }
    }

    private final SharedIndexInformer<Deployment> deployments;
    private final SharedIndexInformer<Pod> pods;
    private final SharedIndexInformer<Service> services;
    private final SharedIndexInformer<EndpointSlice> slices;
    private final DeploymentController deploymentController;
    private final EndpointsController endpointsController;
    private final PodRunner kubelet;
    private final ServiceLoadBalancer loadBalancer;
    private final Containers kubeletContainers;

    public LocalNode(KubernetesClient client, Settings settings) {
        deployments = client.apps().deployments().inAnyNamespace().runnableInformer(0);
        pods = client.pods().inAnyNamespace().runnableInformer(0);
        services = client.services().inAnyNamespace().runnableInformer(0);
        slices = client.discovery().v1().endpointSlices().inAnyNamespace().runnableInformer(0);
        kubeletContainers = settings.containers();
        deploymentController = new DeploymentController(client, deployments, pods, settings.clock());
        endpointsController = new EndpointsController(client, services, pods, slices);
        kubelet = new PodRunner(
                client,
                pods,
                new PodRunner.Settings(
                        settings.podsDir(),
                        settings.launcher(),
                        settings.imageFiles(),
                        settings.environment(),
                        settings.podAddresses(),
                        settings.containers(),
                        settings.clock()));
        loadBalancer =
                new ServiceLoadBalancer(client, services, slices, settings.serviceAddresses(), settings.network());
    }

    public void start() {
        if (kubeletContainers != null) {
            kubeletContainers.removeLeftovers();
        }
        deploymentController.start(null, deployments, pods);
        endpointsController.start(null, services, pods, slices);
        kubelet.start(PodRunner.TICK, pods);
        loadBalancer.start(ServiceLoadBalancer.RETRY, services, slices);
        for (SharedIndexInformer<?> informer : informers()) {
            informer.start();
        }
    }

    /** The pods the kubelet runs now (for tests and the launcher's summary). */
    public List<String> podNames() {
        return kubelet.podNames();
    }

    /**
     * Stops creating pods, then terminates every pod (each drains, while the endpoints controller
     * marks it terminating and the load balancer sends it nothing new), then the Service addresses.
     */
    @Override
    public void close() {
        deploymentController.close();
        kubelet.close();
        endpointsController.close();
        loadBalancer.close();
        for (SharedIndexInformer<?> informer : informers()) {
            informer.stop();
        }
    }

    private List<SharedIndexInformer<?>> informers() {
        return List.of(deployments, pods, services, slices);
    }
}

package dev.slb.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.List;
import java.util.Optional;

/**
 * The whole configuration of one proxy replica: what the operator writes and the proxy serves.
 *
 * @param version   opaque config version; the proxy reports the one it serves on its admin port
 * @param instance  the LoadBalancer this replica serves, for logs and error pages
 * @param limits    this replica's share of the tier's limits
 * @param admin     admin endpoint
 * @param drain     shutdown behaviour
 * @param listeners the listeners, unique by name and by (bind address, port)
 * @param instanceAddress the instance's own address as clients reach it (its Service's load balancer
 *                  address: an IP or a host name), for the SLB-IP header; absent while unknown, and
 *                  then SLB-IP names the address the client connected to as this replica sees it
 */
@JsonPropertyOrder({"version", "instance", "instanceAddress", "limits", "admin", "drain", "listeners"})
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ProxyConfig(
        String version,
        String instance,
        Limits limits,
        Admin admin,
        Drain drain,
        List<Listener> listeners,
        String instanceAddress) {

    public ProxyConfig {
        limits = limits == null ? Limits.UNLIMITED : limits;
        admin = admin == null ? Admin.DEFAULT : admin;
        drain = drain == null ? Drain.DEFAULT : drain;
        listeners = listeners == null ? List.of() : List.copyOf(listeners);
    }

    /** A config with no instance address (SLB-IP then names the address the client connected to). */
    public ProxyConfig(
            String version, String instance, Limits limits, Admin admin, Drain drain, List<Listener> listeners) {
        this(version, instance, limits, admin, drain, listeners, null);
    }

    public Optional<Listener> listener(String name) {
        return listeners.stream().filter(l -> l.name().equals(name)).findFirst();
    }

    public ProxyConfig withVersion(String newVersion) {
        return new ProxyConfig(newVersion, instance, limits, admin, drain, listeners, instanceAddress);
    }

    public ProxyConfig withListeners(List<Listener> newListeners) {
        return new ProxyConfig(version, instance, limits, admin, drain, newListeners, instanceAddress);
    }

    public ProxyConfig withAdmin(Admin newAdmin) {
        return new ProxyConfig(version, instance, limits, newAdmin, drain, listeners, instanceAddress);
    }

    public ProxyConfig withDrain(Drain newDrain) {
        return new ProxyConfig(version, instance, limits, admin, newDrain, listeners, instanceAddress);
    }

    public ProxyConfig withLimits(Limits newLimits) {
        return new ProxyConfig(version, instance, newLimits, admin, drain, listeners, instanceAddress);
    }

    public ProxyConfig withInstanceAddress(String newInstanceAddress) {
        return new ProxyConfig(version, instance, limits, admin, drain, listeners, newInstanceAddress);
    }
}

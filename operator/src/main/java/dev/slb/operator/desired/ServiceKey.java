package dev.slb.operator.desired;

/**
 * A Service port a backend refers to, the key of resolved endpoints.
 *
 * @param name the Service's name, in the LoadBalancer's namespace
 * @param port the Service port (not the target port)
 */
public record ServiceKey(String name, int port) {
    @Override
    public String toString() {
        return name + ":" + port;
    }
}

package dev.slb.proxy.tls;

import java.io.IOException;
import java.util.Map;
import java.util.Set;

/** The TLS Secrets a proxy reads through the Kubernetes API by name, and follows once asked for. */
public interface SecretStore {

    /**
     * A Secret's data now (key to decoded bytes), following it from now on; fails, naming the
     * Secret, when it does not exist or cannot be read.
     */
    Map<String, byte[]> data(String name) throws IOException;

    /** The namespace the Secrets are read from, for messages. */
    String namespace();

    /** Stops following every Secret not named here (those the config no longer uses). */
    default void retainOnly(Set<String> names) {}

    /** Runs {@code listener} (on a thread of the store's) whenever a followed Secret changes. */
    default void onChange(Runnable listener) {}

    /** For a proxy that reads no Secrets: its config names certificate files only. */
    SecretStore NONE = new SecretStore() {
        @Override
        public Map<String, byte[]> data(String name) throws IOException {
            throw new IOException("tls.secretName '" + name + "' needs the proxy to read Secrets through the"
                    + " Kubernetes API, which it does with --configmap NAMESPACE/NAME; with --config FILE give"
                    + " tls.certificateFile and tls.privateKeyFile instead");
        }

        @Override
        public String namespace() {
            return "(none)";
        }
    };
}

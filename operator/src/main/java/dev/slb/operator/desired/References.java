package dev.slb.operator.desired;

import dev.slb.operator.api.BackendSpec;
import dev.slb.operator.api.ExtraCertificateSpec;
import dev.slb.operator.api.ListenerSpec;
import dev.slb.operator.api.LoadBalancer;
import dev.slb.operator.api.TlsSpec;
import java.util.Set;
import java.util.TreeSet;

/** The Services and Secrets a LoadBalancer names; tolerant of a spec that is not valid. */
public final class References {
    private References() {}

    public static Set<String> services(LoadBalancer lb) {
        Set<String> names = new TreeSet<>();
        if (lb.getSpec() != null) {
            for (BackendSpec b : Backends.allBackends(lb.getSpec())) {
                if (b != null && b.service != null && b.service.name != null) {
                    names.add(b.service.name);
                }
            }
        }
        return names;
    }

    public static Set<String> secrets(LoadBalancer lb) {
        Set<String> names = new TreeSet<>();
        if (lb.getSpec() != null && lb.getSpec().listeners != null) {
            for (ListenerSpec l : lb.getSpec().listeners) {
                if (l != null && l.tls != null) {
                    names.addAll(secrets(l.tls));
                }
            }
        }
        return names;
    }

    /** The Secrets one listener's tls names: its own certificate's, its extra certificates' and its client CA's. */
    public static Set<String> secrets(TlsSpec tls) {
        Set<String> names = new TreeSet<>();
        if (tls.secretName != null) {
            names.add(tls.secretName);
        }
        if (tls.extraCertificates != null) {
            for (ExtraCertificateSpec c : tls.extraCertificates) {
                if (c != null && c.secretName != null) {
                    names.add(c.secretName);
                }
            }
        }
        if (tls.clientAuthentication != null && tls.clientAuthentication.caSecretName != null) {
            names.add(tls.clientAuthentication.caSecretName);
        }
        return names;
    }

    /** The Secrets some listener reads a client CA bundle (ca.crt) from. */
    public static Set<String> caSecrets(LoadBalancer lb) {
        Set<String> names = new TreeSet<>();
        for (ListenerSpec l : lb.getSpec().listeners) {
            if (l != null
                    && l.tls != null
                    && l.tls.clientAuthentication != null
                    && l.tls.clientAuthentication.caSecretName != null) {
                names.add(l.tls.clientAuthentication.caSecretName);
            }
        }
        return names;
    }

    /** The Secrets some listener reads a certificate and key (tls.crt, tls.key) from. */
    public static Set<String> certificateSecrets(LoadBalancer lb) {
        Set<String> names = new TreeSet<>();
        for (ListenerSpec l : lb.getSpec().listeners) {
            if (l == null || l.tls == null) {
                continue;
            }
            if (l.tls.secretName != null) {
                names.add(l.tls.secretName);
            }
            if (l.tls.extraCertificates != null) {
                l.tls.extraCertificates.stream()
                        .filter(c -> c != null && c.secretName != null)
                        .forEach(c -> names.add(c.secretName));
            }
        }
        return names;
    }
}

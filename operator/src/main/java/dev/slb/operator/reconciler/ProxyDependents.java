package dev.slb.operator.reconciler;

import dev.slb.operator.desired.Names;

/** What the dependent resources share: their informers watch only what this operator manages. */
final class ProxyDependents {
    static final String SELECTOR = Names.MANAGED_BY_LABEL + "=" + Names.MANAGER;
    /** The proxy Service dependent, and so its event source: to tell it from the one following backend Services. */
    static final String PROXY_SERVICES = "proxy-services";

    private ProxyDependents() {}
}

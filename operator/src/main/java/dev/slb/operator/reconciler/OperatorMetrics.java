package dev.slb.operator.reconciler;

import java.util.concurrent.atomic.AtomicLong;

/** The operator's counters, written out in the Prometheus text format. */
public final class OperatorMetrics {
    private final AtomicLong reconciliations = new AtomicLong();
    private final AtomicLong errors = new AtomicLong();

    public void reconciliation() {
        reconciliations.incrementAndGet();
    }

    public void error() {
        errors.incrementAndGet();
    }

    public long reconciliations() {
        return reconciliations.get();
    }

    public long errors() {
        return errors.get();
    }

    /** Prometheus exposition format 0.0.4. */
    public String prometheusText() {
        return "# HELP slb_operator_reconciliations_total LoadBalancer reconciliations started.\n"
                + "# TYPE slb_operator_reconciliations_total counter\n"
                + "slb_operator_reconciliations_total " + reconciliations.get() + "\n"
                + "# HELP slb_operator_reconciliation_errors_total LoadBalancer reconciliations that failed.\n"
                + "# TYPE slb_operator_reconciliation_errors_total counter\n"
                + "slb_operator_reconciliation_errors_total " + errors.get() + "\n";
    }
}

package io.meteringest.ops;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.List;
import org.apache.camel.CamelContext;
import org.apache.camel.component.micrometer.MicrometerConstants;
import org.apache.camel.support.service.ServiceSupport;

/**
 * Binds the beans' own meters (FIFO releases, records per aggregation endpoint) to Camel's Micrometer registry when
 * the context starts, beside the routes' {@code micrometer:} counters and AwsProbe's gauges. Without
 * {@code camel.metrics.enabled} there is no registry and nothing is bound.
 */
public final class IngestMeters extends ServiceSupport {

    private final CamelContext context;
    private final List<MeterBinder> binders;

    public IngestMeters(CamelContext context, MeterBinder... binders) {
        this.context = context;
        this.binders = List.of(binders);
    }

    @Override
    protected void doStart() {
        MeterRegistry registry = registry(context);
        if (registry != null) {
            binders.forEach(binder -> binder.bindTo(registry));
        }
    }

    /** The registry Camel's metrics use (bound as {@code metricsRegistry}), or the only one there is; null when off. */
    static MeterRegistry registry(CamelContext context) {
        MeterRegistry named = context.getRegistry().lookupByNameAndType(MicrometerConstants.METRICS_REGISTRY_NAME, MeterRegistry.class);
        return named != null ? named : context.getRegistry().findSingleByType(MeterRegistry.class);
    }
}

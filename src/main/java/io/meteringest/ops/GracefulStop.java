package io.meteringest.ops;

import io.meteringest.ExchangeProps;
import io.meteringest.RouteIds;
import io.meteringest.ingest.PollGate;
import org.apache.camel.CamelContext;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.main.BaseMainSupport;
import org.apache.camel.main.MainListenerSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The order of a graceful shutdown, across ingest and usage: stop receiving and consuming (in-flight messages finish),
 * stop the flush timer, then flush every open window to S3 through the {@code usage-flush} route, while the rest of
 * Camel is still running.
 */
public final class GracefulStop extends MainListenerSupport {

    private static final Logger LOG = LoggerFactory.getLogger(GracefulStop.class);

    @Override
    public void beforeStop(BaseMainSupport main) {
        CamelContext context = main.getCamelContext();
        if (context == null || context.getRoute(RouteIds.USAGE_FLUSH) == null) {
            return;
        }
        try {
            PollGate gate = context.getRegistry().lookupByNameAndType("pollGate", PollGate.class);
            if (gate != null) {
                // then stopping the route finds nothing in flight and takes milliseconds
                gate.stopReceiving(context.getShutdownStrategy().getTimeUnit().toMillis(context.getShutdownStrategy().getTimeout()));
            }
            context.getRouteController().stopRoute(RouteIds.INGEST_CONSUME);
            // a timer flush in progress finishes first, so the flushes it closed are not written twice
            if (context.getRoute(RouteIds.USAGE_FLUSH_TIMER) != null) {
                context.getRouteController().stopRoute(RouteIds.USAGE_FLUSH_TIMER);
            }
            try (ProducerTemplate template = context.createProducerTemplate()) {
                template.sendBodyAndProperty(RouteIds.direct(RouteIds.USAGE_FLUSH), null, ExchangeProps.ALL_WINDOWS, true);
            }
            LOG.info("open usage windows flushed before shutdown");
        } catch (Exception e) {
            // the rows stay in the store and are flushed after the next start
            LOG.warn("final flush did not complete ({}); open windows stay in the store for the next start", e.getMessage());
        }
    }
}

package io.meteringest;

/**
 * The route ids (each also the {@code routes/<id>.camel.yaml} file's name) and {@code direct:} endpoints that Java
 * names: where Java starts a flow (PollGate, a JMX operation, the shutdown flush) it sends to the route's endpoint and
 * holds none of its logic. {@code RouteFilesTest} fails when a route named here is missing, or one Java sends to
 * starts from another endpoint.
 */
public final class RouteIds {

    /** The SQS consumer; stopped first on shutdown. */
    public static final String INGEST_CONSUME = "ingest-consume";
    /** One poll's four steps; PollGate sends each receive here. */
    public static final String INGEST_POLL = "ingest-poll";
    /** A raw object back through validation and accounting; Operations.replay sends each here. */
    public static final String INGEST_REPLAY = "ingest-replay";
    /** Closes windows and writes their flushes; the timer, Operations.flush and the shutdown flush send here. */
    public static final String USAGE_FLUSH = "usage-flush";
    /** The flush's timer; stopped before the shutdown flush so the two never write one flush twice. */
    public static final String USAGE_FLUSH_TIMER = "usage-flush-timer";

    private RouteIds() {
    }

    /** The {@code direct:} endpoint a route with this id starts from. */
    public static String direct(String routeId) {
        return "direct:" + routeId;
    }
}

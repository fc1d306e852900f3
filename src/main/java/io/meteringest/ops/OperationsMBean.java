package io.meteringest.ops;

/** The operations an operator runs on a live instance, over JMX or as the jar's subcommands. */
public interface OperationsMBean {

    /** Moves up to {@code max} messages from the dead-letter queue back to the ingest queue; returns how many. */
    int redrive(int max);

    /** Feeds the raw archive of [from, to) (ISO-8601 instants) through validation and accounting again. */
    String replay(String from, String to);

    /** Flushes closed windows to S3 now. */
    String flush();
}

package io.meteringest.ingest;

import io.meteringest.record.RecordSplitter;
import io.meteringest.record.RecordItem;
import io.meteringest.record.RecordValidator;
import io.meteringest.usage.UsageBatch;
import java.io.Closeable;
import java.io.File;
import java.io.IOException;
import java.util.Iterator;
import org.apache.camel.Header;

/**
 * Decodes one message body and validates every record in one call ({@code ingest-validate}): the
 * result is the message's {@link MessageOutcome}, its accepted records grouped by meter for
 * {@code usage-route} and its rejected ones for the failure report. One call per message, not one
 * exchange per record: see README, Performance.
 */
public final class MessageValidator {

    private final RecordSplitter splitter;
    private final RecordValidator validator;

    public MessageValidator(RecordSplitter splitter, RecordValidator validator) {
        this.splitter = splitter;
        this.validator = validator;
    }

    public MessageOutcome validate(byte[] body) throws IOException {
        return validate(splitter.split(body));
    }

    public MessageOutcome validate(String body) throws IOException {
        return validate(splitter.split(body));
    }

    /** Where the message's aggregation endpoints put the records they take (usageAccounting.add); accounted with its poll. */
    public UsageBatch usageBatch(@Header("CamelAwsSqsMessageId") String messageId) {
        return new UsageBatch(messageId);
    }

    /** The message's accepted records, one element per meter: the exchanges usage-route routes. */
    public java.util.List<io.meteringest.usage.MeterRecords> acceptedByMeter(MessageOutcome outcome) {
        return outcome.getAcceptedByMeter();
    }

    public int accepted(MessageOutcome outcome) {
        return outcome.getAccepted();
    }

    public int rejected(MessageOutcome outcome) {
        return outcome.getRejected();
    }

    /** An Extended Client payload, read as a stream. */
    public MessageOutcome validate(File body) throws IOException {
        return validate(splitter.split(body));
    }

    private MessageOutcome validate(Iterator<RecordItem> items) throws IOException {
        try {
            MessageOutcome outcome = new MessageOutcome();
            while (items.hasNext()) {
                outcome.add(validator.validate(items.next()));
            }
            return outcome;
        } finally {
            if (items instanceof Closeable closeable) {
                closeable.close();
            }
        }
    }
}

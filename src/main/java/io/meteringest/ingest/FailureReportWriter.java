package io.meteringest.ingest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meteringest.record.RecordOutcome;
import java.time.Clock;
import java.time.temporal.ChronoUnit;
import org.apache.camel.Body;
import org.apache.camel.Header;

/**
 * Names and renders the contract's failure report (one JSON object per message with rejected
 * records) from a {@link MessageOutcome}. Called by the {@code ingest-report} route, which writes it
 * to S3 next to the raw archive's hour path ({@link S3Keys#hourPath}).
 */
public final class FailureReportWriter {

    private final ObjectMapper mapper;
    private final Clock clock;

    public FailureReportWriter(ObjectMapper mapper, Clock clock) {
        this.mapper = mapper;
        this.clock = clock;
    }

    /** failed-requests/yyyy/MM/dd/HH/&lt;messageId&gt;.json, the hour of the raw body's key. */
    public String key(@Header("SentTimestamp") String sentTimestamp, @Header("CamelAwsSqsMessageId") String messageId) {
        return "failed-requests/" + S3Keys.hourPath(sentTimestamp) + "/" + messageId + ".json";
    }

    public byte[] render(@Body MessageOutcome outcome,
                         @Header("CamelAwsSqsMessageId") String messageId,
                         @Header("SentTimestamp") String sentTimestamp) throws JsonProcessingException {
        ObjectNode report = mapper.createObjectNode();
        report.put("messageId", messageId);
        // the archive's key made again from the same headers: the property set in ingest-archive stays on its split's copy
        report.put("rawKey", S3Keys.rawKey(sentTimestamp, messageId));
        report.put("receivedAt", clock.instant().truncatedTo(ChronoUnit.SECONDS).toString());
        report.put("accepted", outcome.getAccepted());
        report.put("rejected", outcome.getRejected());
        ArrayNode errors = report.putArray("errors");
        for (RecordOutcome rejected : outcome.getRejections()) {
            ObjectNode error = errors.addObject();
            error.put("index", rejected.index());
            if (rejected.line() != null) {
                error.put("line", rejected.line());
            }
            ArrayNode reasons = error.putArray("reasons");
            rejected.reasons().forEach(reasons::add);
            if (rejected.json() != null) {
                error.set("record", rejected.json());
            } else if (rejected.raw() != null) {
                error.put("record", rejected.raw());
            }
        }
        return mapper.writeValueAsBytes(report);
    }
}

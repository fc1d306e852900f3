package io.meteringest.ingest;

import io.meteringest.ExchangeProps;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.camel.ExchangeProperty;
import org.apache.camel.Header;

/**
 * The contract's S3 keys and the raw archive's user metadata. Dates come from the SQS {@code SentTimestamp} (UTC), so a redelivered
 * message maps to the same key and rewriting it is harmless. Used by the ingest routes.
 */
public final class S3Keys {

    /** Where raw bodies are archived; a raw key is this, the SentTimestamp's hour path, then the message id. */
    public static final String RAW_PREFIX = "raw/";
    /** The raw object's user metadata: the SQS message id (replay reads it back as the message id). */
    public static final String META_MESSAGE_ID = "message-id";
    /** The message's FIFO group (replay keeps a group's order by it). */
    public static final String META_GROUP_ID = "group-id";
    /** The message's deduplication id, when it had one. */
    public static final String META_DEDUP_ID = "dedup-id";
    /** An Extended Client message's pointer to the payload archived in its place. */
    public static final String META_PAYLOAD_POINTER = "payload-pointer";

    private static final DateTimeFormatter HOUR_PATH =
            DateTimeFormatter.ofPattern("yyyy/MM/dd/HH").withZone(ZoneOffset.UTC);

    public String raw(@Header("SentTimestamp") String sentTimestamp, @Header("CamelAwsSqsMessageId") String messageId) {
        return rawKey(sentTimestamp, messageId);
    }

    /** raw/yyyy/MM/dd/HH/&lt;messageId&gt;: where a message's raw body is archived (and its failure report says it is). */
    public static String rawKey(String sentTimestamp, String messageId) {
        return RAW_PREFIX + hourPath(sentTimestamp) + "/" + messageId;
    }

    /** raw/yyyy/MM/dd/HH/: the prefix every raw key of the hour starting at {@code hourMillis} has. */
    public static String rawHourPrefix(long hourMillis) {
        return RAW_PREFIX + hourPath(Long.toString(hourMillis)) + "/";
    }

    /** User metadata of a raw object: where it came from, so an archive is traceable to its message. */
    public Map<String, String> rawMetadata(@Header("CamelAwsSqsMessageId") String messageId,
                                           @Header("MessageGroupId") String groupId,
                                           @Header("MessageDeduplicationId") String dedupId,
                                           @ExchangeProperty(ExchangeProps.PAYLOAD_POINTER) String payloadPointer) {
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put(META_MESSAGE_ID, messageId);
        if (groupId != null) {
            metadata.put(META_GROUP_ID, groupId);
        }
        if (dedupId != null) {
            metadata.put(META_DEDUP_ID, dedupId);
        }
        if (payloadPointer != null) {
            // an Extended Client message: the body archived is the payload this pointer named
            metadata.put(META_PAYLOAD_POINTER, payloadPointer);
        }
        return metadata;
    }

    public static String hourPath(String sentTimestamp) {
        if (sentTimestamp == null || sentTimestamp.isBlank()) {
            throw new IllegalArgumentException(
                    "SentTimestamp attribute missing: the SQS consumer must request attributeNames=All");
        }
        return HOUR_PATH.format(Instant.ofEpochMilli(Long.parseLong(sentTimestamp.trim())));
    }
}

package io.meteringest.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.meteringest.testkit.RouteTestSupport;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;

/** What redrive puts back on the ingest queue, read before any consumer takes it. */
class RedriveRouteTest extends RouteTestSupport {

    private static MessageAttributeValue attribute(String value) {
        return MessageAttributeValue.builder().dataType("String").stringValue(value).build();
    }

    @Test
    void redrive_moves_dead_letters_back_with_body_group_and_attributes_in_order() {
        Map<String, MessageAttributeValue> attributes = Map.of("source-message-id", attribute("m-1"),
                "source-group-id", attribute("g-1"), "failure-reason", attribute("S3 was down"));
        for (String body : List.of("first", "second")) {
            sqs.sendMessage(b -> b.queueUrl(queueUrl(deadLetterQueue)).messageBody(body).messageGroupId("g-1")
                    .messageDeduplicationId("d-" + body)
                    .messageAttributes(body.equals("first") ? attributes : Map.of("source-message-id", attribute("m-2"))));
        }

        Operations operations = context.getRegistry().lookupByNameAndType("operations", Operations.class);
        assertEquals(2, operations.redrive(10));

        List<Message> back = receiveAll(queue, 2);
        assertEquals(List.of("first", "second"), back.stream().map(Message::body).toList(), "body and group order kept");
        assertEquals(List.of("g-1", "g-1"),
                back.stream().map(m -> m.attributes().get(MessageSystemAttributeName.MESSAGE_GROUP_ID)).toList());
        // the source message id becomes the dedup id, so a redrive cut short and run again moves it once
        assertEquals(List.of("m-1", "m-2"),
                back.stream().map(m -> m.attributes().get(MessageSystemAttributeName.MESSAGE_DEDUPLICATION_ID)).toList());
        assertEquals(attributes, back.get(0).messageAttributes());
        assertEquals(0, messagesOnQueue(deadLetterQueue));
    }
}

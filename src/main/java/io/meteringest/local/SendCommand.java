package io.meteringest.local;

import java.io.IOException;
import io.meteringest.CommandSettings;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * {@code java -jar meter-ingest.jar send FILE...}: sends each file as one message to the embedded
 * queue the way the reference producers do (AWS SDK, a random MessageGroupId and
 * MessageDeduplicationId per message). A newcomer's way to see records flow.
 */
public final class SendCommand {

    private SendCommand() {
    }

    public static int run(List<String> args) throws IOException {
        CommandSettings settings = new CommandSettings();
        String endpoint = "http://127.0.0.1:" + settings.get("ingest.local.sqs-port", "9324");
        List<String> files = new ArrayList<>();
        for (int i = 0; i < args.size(); i++) {
            if ("--endpoint".equals(args.get(i)) && i + 1 < args.size()) {
                endpoint = args.get(++i);
            } else {
                files.add(args.get(i));
            }
        }
        if (files.isEmpty()) {
            System.err.println("usage: java -jar target/meter-ingest.jar send [--endpoint URL] FILE...");
            return 2;
        }
        String queue = settings.get("ingest.queue", "meter-ingest.fifo");
        try (SqsClient sqs = SqsClient.builder().endpointOverride(java.net.URI.create(endpoint))
                .region(Region.of(EmbeddedAws.REGION))
                .credentialsProvider(StaticCredentialsProvider.create(
                        AwsBasicCredentials.create(EmbeddedAws.ACCESS_KEY, EmbeddedAws.SECRET_KEY)))
                .build()) {
            String queueUrl;
            try {
                queueUrl = sqs.getQueueUrl(b -> b.queueName(queue)).queueUrl();
            } catch (SdkException e) {
                System.err.println("cannot reach queue " + queue + " at " + endpoint
                        + ": is meter-ingest running with ingest.embedded=true? (" + e.getClass().getSimpleName() + ")");
                return 1;
            }
            for (String file : files) {
                String body = Files.readString(Path.of(file), StandardCharsets.UTF_8);
                String group = UUID.randomUUID().toString();
                String messageId = sqs.sendMessage(b -> b.queueUrl(queueUrl).messageBody(body)
                        .messageGroupId(group).messageDeduplicationId(UUID.randomUUID().toString())).messageId();
                System.out.println("sent " + file + " to " + queue + " as message " + messageId + " (group " + group + ")");
            }
        }
        return 0;
    }
}

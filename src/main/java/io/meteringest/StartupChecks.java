package io.meteringest;

import static io.meteringest.ErrorText.firstLine;

import org.apache.camel.CamelContext;
import org.apache.camel.main.BaseMainSupport;
import org.apache.camel.main.MainListenerSupport;
import org.apache.camel.model.Model;
import org.apache.camel.spi.PropertiesComponent;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchBucketException;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueDoesNotExistException;

/**
 * Fails fast, before any route starts, when the routes are missing or the queue, dead-letter queue
 * or bucket cannot be reached, with one line that names the key or resource and what to do.
 * Uses the aws2 components' own configuration, so it checks exactly what the routes will use.
 */
public final class StartupChecks extends MainListenerSupport {

    @Override
    public void afterConfigure(BaseMainSupport main) {
        CamelContext context = main.getCamelContext();
        if (context.getCamelContextExtension().getContextPlugin(Model.class).getRouteDefinitions().isEmpty()) {
            throw new StartupException("no routes loaded from '" + main.configure().getRoutesIncludePattern()
                    + "'; start from the project folder (routes/ beside application.properties)"
                    + " or set camel.main.routes-include-pattern");
        }
        PropertiesComponent pc = context.getPropertiesComponent();
        SqsClient sqs = AwsClients.sqs(context);
        S3Client s3 = AwsClients.s3(context);
        try {
            checkQueue(sqs, "ingest.queue", SettingsCheck.required(pc, "ingest.queue"));
            checkQueue(sqs, "ingest.dead-letter-queue", SettingsCheck.required(pc, "ingest.dead-letter-queue"));
            checkBucket(s3, SettingsCheck.required(pc, "ingest.bucket"));
        } finally {
            sqs.close();
            s3.close();
        }
    }

    private static void checkQueue(SqsClient sqs, String key, String queue) {
        try {
            sqs.getQueueUrl(b -> b.queueName(queue));
        } catch (QueueDoesNotExistException e) {
            throw new StartupException(key + ": queue '" + queue + "' does not exist; create it (FIFO, with a"
                    + " redrive policy to the dead-letter queue) or set " + key);
        } catch (SdkClientException e) {
            throw new StartupException("SQS is unreachable (" + firstLine(e) + "); check"
                    + " camel.component.aws2-sqs.region / uri-endpoint-override and the network");
        } catch (SdkException e) {
            throw new StartupException(key + ": cannot look up queue '" + queue + "' (" + firstLine(e)
                    + "); check the credentials and their sqs:GetQueueUrl permission");
        }
    }

    private static void checkBucket(S3Client s3, String bucket) {
        try {
            s3.headBucket(b -> b.bucket(bucket));
        } catch (NoSuchBucketException e) {
            throw new StartupException("ingest.bucket: bucket '" + bucket + "' does not exist; create it or set ingest.bucket");
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                throw new StartupException("ingest.bucket: bucket '" + bucket + "' does not exist; create it or set ingest.bucket");
            }
            throw new StartupException("ingest.bucket: cannot reach bucket '" + bucket + "' (HTTP " + e.statusCode()
                    + "); check the credentials and their s3:ListBucket / s3:PutObject permissions");
        } catch (SdkClientException e) {
            throw new StartupException("S3 is unreachable (" + firstLine(e) + "); check"
                    + " camel.component.aws2-s3.region / uri-endpoint-override and the network");
        }
    }
}

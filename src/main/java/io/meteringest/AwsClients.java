package io.meteringest;

import org.apache.camel.CamelContext;
import org.apache.camel.component.aws2.s3.AWS2S3Component;
import org.apache.camel.component.aws2.s3.client.AWS2S3ClientFactory;
import org.apache.camel.component.aws2.sqs.Sqs2Component;
import org.apache.camel.component.aws2.sqs.client.Sqs2ClientFactory;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * SDK clients built from the aws2-sqs / aws2-s3 components' own configuration, so what the Java
 * side calls (startup checks, probe, operations) reaches exactly what the routes reach. The caller
 * closes them.
 */
public final class AwsClients {

    private AwsClients() {
    }

    public static SqsClient sqs(CamelContext context) {
        return Sqs2ClientFactory.getSqsClient(context.getComponent("aws2-sqs", Sqs2Component.class).getConfiguration());
    }

    public static S3Client s3(CamelContext context) {
        return AWS2S3ClientFactory.getS3Client(context.getComponent("aws2-s3", AWS2S3Component.class).getConfiguration());
    }
}

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

    /**
     * The client the aws2-sqs endpoints use: the one configured on the component
     * ({@code amazon-s-q-s-client}) if any, else one built from its settings. For beans that keep it
     * for the life of the process, so it is not closed.
     */
    public static SqsClient endpointSqs(CamelContext context) {
        SqsClient configured = context.getComponent("aws2-sqs", Sqs2Component.class).getConfiguration().getAmazonSQSClient();
        return configured != null ? configured : sqs(context);
    }

    /** The same for aws2-s3 ({@code amazon-s3-client}). */
    public static S3Client endpointS3(CamelContext context) {
        S3Client configured = context.getComponent("aws2-s3", AWS2S3Component.class).getConfiguration().getAmazonS3Client();
        return configured != null ? configured : s3(context);
    }
}

package io.meteringest.local;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.actor.Props;
import org.elasticmq.NodeAddress;
import org.elasticmq.StrictSQSLimits$;
import org.elasticmq.actor.QueueManagerActor;
import org.elasticmq.rest.sqs.SQSRestServer;
import org.elasticmq.rest.sqs.SQSRestServerBuilder;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.nio2blob.FilesystemNio2BlobStore;
import scala.Option;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * Real SQS- and S3-protocol servers in this JVM, on loopback: ElasticMQ and S3Proxy (filesystem
 * backend, so archived objects are plain files). The embedded default of the app
 * ({@code ingest.embedded=true}) and the route tests run on it; no AWS account, no Docker.
 */
public final class EmbeddedAws implements AutoCloseable {

    public static final String ACCESS_KEY = "local";
    public static final String SECRET_KEY = "local-secret";
    public static final String REGION = "us-east-1";
    private static final String HOST = "127.0.0.1";

    private final Path s3Dir;
    private SQSRestServer sqsServer;
    // queues and messages live here, apart from the HTTP server, so stopSqs/restartSqs is an outage, not a data loss
    private ActorSystem sqsActors;
    private ActorRef queueManager;
    private S3Proxy s3Proxy;
    private int sqsPort;
    private int s3Port;

    private EmbeddedAws(Path s3Dir) {
        this.s3Dir = s3Dir;
    }

    /** Starts both servers; a port of 0 picks a free one. {@code s3Dir} holds one folder per bucket. */
    public static EmbeddedAws start(int sqsPort, int s3Port, Path s3Dir) throws Exception {
        FreePort.requireFree(sqsPort);
        FreePort.requireFree(s3Port);
        // S3Proxy lists nothing from a relative dir, and refuses to create a bucket under one with "./" in it
        EmbeddedAws aws = new EmbeddedAws(s3Dir.toAbsolutePath().normalize());
        Files.createDirectories(aws.s3Dir);
        aws.startSqs(sqsPort == 0 ? FreePort.find() : sqsPort);
        aws.startS3(s3Port);
        return aws;
    }

    /** The servers another process runs on these ports (the benchmark's): clients and helpers only, close does nothing. */
    public static EmbeddedAws attach(int sqsPort, int s3Port, Path s3Dir) {
        EmbeddedAws aws = new EmbeddedAws(s3Dir.toAbsolutePath().normalize());
        aws.sqsPort = sqsPort;
        aws.s3Port = s3Port;
        return aws;
    }

    private void startSqs(int port) {
        if (sqsActors == null) {
            sqsActors = ActorSystem.create("elasticmq");
            queueManager = sqsActors.actorOf(Props.create(QueueManagerActor.class,
                    new org.elasticmq.util.NowProvider(), StrictSQSLimits$.MODULE$, Option.empty()));
        }
        sqsServer = SQSRestServerBuilder.withActorSystem(sqsActors).withQueueManagerActor(queueManager)
                .withInterface(HOST).withPort(port)
                .withServerAddress(new NodeAddress("http", HOST, port, ""))
                .withAWSRegion(REGION).start();
        sqsServer.waitUntilStarted();
        sqsPort = port;
    }

    /** Starts S3Proxy on the given port (0: a free one) over the same folder. */
    public void startS3(int port) throws Exception {
        s3Proxy = S3Proxy.builder()
                .blobStore(new FilesystemNio2BlobStore(s3Dir.toString()))
                .endpoint(URI.create("http://" + HOST + ":" + port))
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS_KEY, SECRET_KEY)
                .build();
        s3Proxy.start();
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!"STARTED".equals(s3Proxy.getState())) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("S3Proxy did not start on port " + port);
            }
            Thread.onSpinWait();
        }
        s3Port = s3Proxy.getPort();
    }

    /** Stops S3Proxy only (fault injection: "S3 is down"); {@link #startS3(int)} brings it back. */
    public void stopS3() throws Exception {
        if (s3Proxy != null) {
            s3Proxy.stop();
            s3Proxy = null;
        }
    }

    /** Stops ElasticMQ's HTTP server only (fault injection: "SQS is down"); its queues and messages stay. */
    public void stopSqs() {
        if (sqsServer != null) {
            sqsServer.stopAndWait();
            sqsServer = null;
        }
    }

    /** Starts ElasticMQ's HTTP server again on its port, over the same queues. */
    public void restartSqs() {
        startSqs(sqsPort);
    }

    public URI sqsEndpoint() {
        return URI.create("http://" + HOST + ":" + sqsPort);
    }

    public URI s3Endpoint() {
        return URI.create("http://" + HOST + ":" + s3Port);
    }

    public int s3Port() {
        return s3Port;
    }

    public Path s3Dir() {
        return s3Dir;
    }

    /** Creates the FIFO queue, its FIFO dead-letter queue and the redrive policy between them. */
    public void createQueues(String queue, String deadLetterQueue, int maxReceiveCount) {
        try (SqsClient sqs = sqsClient()) {
            String dlqUrl = sqs.createQueue(b -> b.queueName(deadLetterQueue)
                    .attributes(Map.of(QueueAttributeName.FIFO_QUEUE, "true"))).queueUrl();
            String dlqArn = sqs.getQueueAttributes(b -> b.queueUrl(dlqUrl)
                    .attributeNames(QueueAttributeName.QUEUE_ARN)).attributes().get(QueueAttributeName.QUEUE_ARN);
            sqs.createQueue(b -> b.queueName(queue).attributes(Map.of(
                    QueueAttributeName.FIFO_QUEUE, "true",
                    QueueAttributeName.REDRIVE_POLICY,
                    "{\"deadLetterTargetArn\":\"" + dlqArn + "\",\"maxReceiveCount\":\"" + maxReceiveCount + "\"}")));
        }
    }

    public void createBucket(String bucket) {
        try (S3Client s3 = s3Client()) {
            if (s3.listBuckets().buckets().stream().noneMatch(b -> b.name().equals(bucket))) {
                s3.createBucket(b -> b.bucket(bucket));
            }
        }
    }

    public SqsClient sqsClient() {
        return SqsClient.builder().endpointOverride(sqsEndpoint()).region(Region.of(REGION))
                .credentialsProvider(credentials()).build();
    }

    public S3Client s3Client() {
        return S3Client.builder().endpointOverride(s3Endpoint()).region(Region.of(REGION))
                .forcePathStyle(true).credentialsProvider(credentials()).build();
    }

    /** The Camel component keys that point the aws2-sqs and aws2-s3 components at these servers. */
    public Map<String, String> camelProperties() {
        return Map.ofEntries(
                Map.entry("camel.component.aws2-sqs.uri-endpoint-override", sqsEndpoint().toString()),
                Map.entry("camel.component.aws2-sqs.override-endpoint", "true"),
                Map.entry("camel.component.aws2-sqs.region", REGION),
                Map.entry("camel.component.aws2-sqs.use-default-credentials-provider", "false"),
                Map.entry("camel.component.aws2-sqs.access-key", ACCESS_KEY),
                Map.entry("camel.component.aws2-sqs.secret-key", SECRET_KEY),
                Map.entry("camel.component.aws2-s3.uri-endpoint-override", s3Endpoint().toString()),
                Map.entry("camel.component.aws2-s3.override-endpoint", "true"),
                Map.entry("camel.component.aws2-s3.force-path-style", "true"),
                Map.entry("camel.component.aws2-s3.region", REGION),
                Map.entry("camel.component.aws2-s3.use-default-credentials-provider", "false"),
                Map.entry("camel.component.aws2-s3.access-key", ACCESS_KEY),
                Map.entry("camel.component.aws2-s3.secret-key", SECRET_KEY));
    }

    private static StaticCredentialsProvider credentials() {
        return StaticCredentialsProvider.create(AwsBasicCredentials.create(ACCESS_KEY, SECRET_KEY));
    }

    @Override
    public void close() throws Exception {
        stopS3();
        stopSqs();
        if (sqsActors != null) {
            scala.concurrent.Await.result(sqsActors.terminate(), scala.concurrent.duration.Duration.create(10, "s"));
            sqsActors = null;
        }
    }
}

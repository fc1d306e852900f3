package io.meteringest.ops;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;

/**
 * Records every AWS API call attempt the process makes ("Sqs:ReceiveMessage" per line) to the file
 * named by the system property {@code ingest.audit.aws-calls-file}; does nothing without it. An SDK
 * global interceptor (registered in META-INF), so it sees the calls of every client, Camel's too:
 * the way to check the shipped IAM policy (docker/iam-policy.json) lists all the app needs.
 */
public final class AwsCallRecorder implements ExecutionInterceptor {

    private static final String FILE = System.getProperty("ingest.audit.aws-calls-file", "");

    @Override
    public void beforeTransmission(Context.BeforeTransmission context, ExecutionAttributes attributes) {
        if (FILE.isEmpty()) {
            return;
        }
        String call = attributes.getAttribute(SdkExecutionAttribute.SERVICE_NAME) + ":"
                + attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME) + "\n";
        synchronized (AwsCallRecorder.class) {
            try {
                Files.writeString(Path.of(FILE), call, StandardCharsets.UTF_8,
                        StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}

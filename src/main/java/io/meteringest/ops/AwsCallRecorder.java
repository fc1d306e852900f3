package io.meteringest.ops;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.FileOutputStream;
import java.nio.charset.StandardCharsets;
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
    // opened once: an open, append and close per call cost the benchmark 0.5 s of lock waits on A.
    // A stream, not a FileChannel: an interrupted caller (the SDK's attempt timeout) would close a channel for every thread
    private static final FileOutputStream OUT = open(FILE);

    private static FileOutputStream open(String file) {
        if (file.isEmpty()) {
            return null;
        }
        try {
            return new FileOutputStream(file, true);
        } catch (IOException e) {
            throw new UncheckedIOException("ingest.audit.aws-calls-file: cannot write " + file, e);
        }
    }

    @Override
    public void beforeTransmission(Context.BeforeTransmission context, ExecutionAttributes attributes) {
        if (OUT == null) {
            return;
        }
        String call = attributes.getAttribute(SdkExecutionAttribute.SERVICE_NAME) + ":"
                + attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME) + "\n";
        try {
            // one write per line in append mode: lines of concurrent calls do not interleave
            OUT.write(call.getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

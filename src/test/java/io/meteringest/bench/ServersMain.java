package io.meteringest.bench;

import io.meteringest.local.EmbeddedAws;
import java.nio.file.Path;

/**
 * The benchmark's SQS and S3 servers (ElasticMQ + S3Proxy) in a JVM of their own, so every system
 * measured talks to the same servers and none shares its JVM with them. Args: sqsPort s3Port s3Dir.
 * Runs until its standard input closes (the benchmark ends or dies).
 */
public final class ServersMain {

    private ServersMain() {
    }

    public static void main(String[] args) throws Exception {
        try (EmbeddedAws aws = EmbeddedAws.start(Integer.parseInt(args[0]), Integer.parseInt(args[1]), Path.of(args[2]))) {
            System.out.println("servers ready");
            System.out.flush();
            while (System.in.read() >= 0) {
                // wait for the parent
            }
        }
        System.exit(0);
    }
}

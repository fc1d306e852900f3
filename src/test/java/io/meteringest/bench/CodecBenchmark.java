package io.meteringest.bench;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.meteringest.record.MeterRecordCodec;
import io.meteringest.record.RecordItem;
import io.meteringest.record.RecordValidator;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Iterator;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * JMH: our codec + validator over a workload-A body (100 NDJSON records) against a bare Jackson
 * streaming parse of the same bytes (every token read, nothing built). Both report bodies per second.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class CodecBenchmark {

    record Result(double codecRecordsPerSecond, double jacksonRecordsPerSecond) {
        double ratio() {
            return codecRecordsPerSecond / jacksonRecordsPerSecond;
        }
    }

    static final int RECORDS = 100;

    private final byte[] body = Workload.a(7).messages().get(0).body().getBytes(StandardCharsets.UTF_8);
    private final MeterRecordCodec codec = new MeterRecordCodec();
    private final RecordValidator validator = new RecordValidator(Clock.systemUTC(), Duration.ofHours(1));
    private final JsonFactory jackson = new JsonFactory();

    @org.openjdk.jmh.annotations.Benchmark
    public void codecAndValidator(Blackhole blackhole) {
        Iterator<RecordItem> items = codec.split(body);
        while (items.hasNext()) {
            blackhole.consume(validator.validate(items.next()));
        }
    }

    @org.openjdk.jmh.annotations.Benchmark
    public void bareJackson(Blackhole blackhole) throws IOException {
        try (JsonParser parser = jackson.createParser(body)) {
            JsonToken token;
            while ((token = parser.nextToken()) != null) {
                blackhole.consume(token);
            }
        }
    }

    static Result run() throws RunnerException {
        var results = new Runner(new OptionsBuilder().include(CodecBenchmark.class.getName() + "\\.").build()).run();
        double codec = 0;
        double jackson = 0;
        for (RunResult result : results) {
            double bodies = result.getPrimaryResult().getScore();
            if (result.getParams().getBenchmark().endsWith("codecAndValidator")) {
                codec = bodies * RECORDS;
            } else {
                jackson = bodies * RECORDS;
            }
        }
        return new Result(codec, jackson);
    }
}

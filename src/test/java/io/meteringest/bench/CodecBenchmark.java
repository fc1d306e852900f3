package io.meteringest.bench;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.meteringest.record.RecordSplitter;
import io.meteringest.record.RecordItem;
import io.meteringest.record.RecordValidator;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
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
 * streaming parse of the same bytes (every token read, nothing built). Both report bodies per second;
 * they run in turn, in pairs, and the median of the pairs' ratios is the result.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class CodecBenchmark {

    /** Medians over the interleaved pairs; the ratio is the median of the pairs' ratios. */
    record Result(double codecRecordsPerSecond, double jacksonRecordsPerSecond, double ratio, int pairs) {
    }

    static final int RECORDS = 100;

    private final byte[] body = Workload.a(7).messages().get(0).body().getBytes(StandardCharsets.UTF_8);
    private final RecordSplitter codec = new RecordSplitter();
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

    /**
     * Runs the two in turn, {@code pairs} times (each in a fresh JVM), so that the machine's noise
     * hits both alike: each pair gives a ratio, and the median ratio is reported.
     */
    /** The codec part alone: {@code java -cp <test classpath> io.meteringest.bench.CodecBenchmark [pairs]}. */
    public static void main(String[] args) throws RunnerException {
        Result result = run(args.length > 0 ? Integer.parseInt(args[0]) : 3);
        System.out.printf("codec + validator: %.0f records/s; bare Jackson streaming parse: %.0f records/s; ratio %.2f, median of %d pairs%n",
                result.codecRecordsPerSecond(), result.jacksonRecordsPerSecond(), result.ratio(), result.pairs());
    }

    static Result run(int pairs) throws RunnerException {
        List<Double> codec = new ArrayList<>();
        List<Double> jackson = new ArrayList<>();
        List<Double> ratios = new ArrayList<>();
        for (int pair = 0; pair < pairs; pair++) {
            double c = bodiesPerSecond("codecAndValidator") * RECORDS;
            double j = bodiesPerSecond("bareJackson") * RECORDS;
            codec.add(c);
            jackson.add(j);
            ratios.add(c / j);
        }
        return new Result(median(codec), median(jackson), median(ratios), pairs);
    }

    private static double bodiesPerSecond(String benchmark) throws RunnerException {
        RunResult result = new Runner(new OptionsBuilder().include(CodecBenchmark.class.getName() + "\\." + benchmark + "$").build()).runSingle();
        return result.getPrimaryResult().getScore();
    }

    private static double median(List<Double> values) {
        List<Double> sorted = values.stream().sorted().toList();
        int mid = sorted.size() / 2;
        return sorted.size() % 2 == 1 ? sorted.get(mid) : (sorted.get(mid - 1) + sorted.get(mid)) / 2;
    }
}

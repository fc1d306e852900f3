package io.meteringest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meteringest.testkit.Records;
import io.meteringest.testkit.RouteTestSupport;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Field;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.camel.Route;
import org.apache.camel.main.MainConfigurationProperties;
import org.junit.jupiter.api.Test;

/**
 * Loads every file in {@code routes/} (a broken one fails the context) and makes README's worked
 * example, a per-meter aggregation endpoint, on a copy of {@code routes/}, then proves records arrive there.
 */
class RouteFilesTest extends RouteTestSupport {

    private static final Path EDITED_ROUTES = editedCopyOfRoutes();

    @Override
    protected void configure(MainConfigurationProperties configuration) {
        super.configure(configuration);
        configuration.withRoutesIncludePattern("file:" + EDITED_ROUTES + "/*.camel.yaml");
    }

    @Test
    void every_route_file_loads_with_an_id_matching_its_name_and_a_description() throws IOException {
        List<String> files;
        try (Stream<Path> list = Files.list(Path.of("routes"))) {
            files = list.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".camel.yaml"))
                    .filter(n -> !n.equals("error-handling.camel.yaml")).sorted().toList();
        }
        for (String file : files) {
            String id = file.substring(0, file.length() - ".camel.yaml".length());
            Route route = context.getRoute(id);
            assertTrue(route != null, "route " + id + " from " + file + " is not loaded");
            assertFalse(route.getDescription() == null || route.getDescription().isBlank(), id + " has no description");
            assertTrue(id.matches("[a-z]+(-[a-z]+)+"), id + " is not kebab-case <area>-<verb>");
        }
        // the shipped files plus the one the worked example adds
        assertEquals(files.size() + 1, context.getRoutes().size());
    }

    @Test
    void the_routes_java_names_exist_and_start_from_their_direct_endpoint() throws IllegalAccessException {
        List<String> ids = new ArrayList<>();
        for (Field field : RouteIds.class.getFields()) {
            ids.add((String) field.get(null));
        }
        assertEquals(5, ids.size(), "RouteIds' constants: " + ids);
        for (String id : ids) {
            assertTrue(context.getRoute(id) != null, "RouteIds names " + id + ", which no file in routes/ defines");
        }
        // the three Java sends to: each route's consumer is the endpoint RouteIds.direct gives
        for (String id : List.of(RouteIds.INGEST_POLL, RouteIds.INGEST_REPLAY, RouteIds.USAGE_FLUSH)) {
            assertEquals(context.getEndpoint(RouteIds.direct(id)), context.getRoute(id).getEndpoint(), id);
        }
    }

    @Test
    void a_meter_routed_to_its_own_endpoint_by_editing_the_route_files() throws Exception {
        send(Records.record("c", "ComputeHours", "5") + "\n" + Records.record("c", "Storage", "1"));
        startConsumer();
        awaitQueueEmpty();
        assertEquals(Map.of("usage-aggregate-compute-hours", 1L, "usage-aggregate", 1L), recordsByEndpoint());
        assertEquals(2, openUsage().size());
    }

    /** README "Changing routes", applied to a copy of routes/. */
    private static Path editedCopyOfRoutes() {
        try {
            Path dir = Files.createTempDirectory("routes-");
            try (Stream<Path> list = Files.list(Path.of("routes"))) {
                for (Path file : list.toList()) {
                    Files.copy(file, dir.resolve(file.getFileName()));
                }
            }
            WorkedExample.routeComputeHours(dir);
            WorkedExample.addEndpoint(dir);
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

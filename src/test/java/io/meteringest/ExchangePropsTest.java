package io.meteringest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/**
 * The routes and the Java agree on exchange property names: every name a {@code routes/} file sets or
 * reads is one of {@link ExchangeProps}, every constant is used by a route (unless Java alone uses
 * it), and the Java names them through the constants.
 */
class ExchangePropsTest {

    /** Set and read by Java only, so no route names them. */
    private static final Set<String> JAVA_ONLY = Set.of(ExchangeProps.PAYLOAD_POINTER);
    // ${exchangeProperty.x}, ${exchangeProperty[x]}, ${exchangePropertyAs(x, Type)} in any Simple text
    private static final Pattern SIMPLE_READ = Pattern.compile("exchangeProperty(?:As)?\\s*[.\\[(]\\s*['\"]?([A-Za-z0-9_-]+)");
    private static final Pattern JAVA_LITERAL = Pattern.compile(
            "(?:@ExchangeProperty|(?<!System\\.)[gs]etProperty|removeProperty)\\(\\s*\"([^\"]+)\"");

    @Test
    void every_property_a_route_uses_is_a_constant_of_ExchangeProps() throws IOException {
        Set<String> constants = constants();
        List<String> unknown = new ArrayList<>();
        usesByRoute().forEach((name, files) -> {
            // Camel's own properties (CamelAwsMessageGroupId read by aws2-sqs) are named by Camel, not by us
            if (!constants.contains(name) && !name.startsWith("Camel")) {
                unknown.add(name + " in " + files);
            }
        });
        assertEquals(List.of(), unknown, "exchange properties in routes/ that are not constants of ExchangeProps");
    }

    @Test
    void every_constant_of_ExchangeProps_is_used_by_a_route_unless_java_alone_uses_it() throws IOException {
        Set<String> used = usesByRoute().keySet();
        Set<String> unused = new TreeSet<>(constants());
        unused.removeAll(used);
        assertEquals(JAVA_ONLY, unused, "constants no route uses (a renamed or removed route property?)");
    }

    @Test
    void the_java_names_exchange_properties_through_the_constants() throws IOException {
        List<String> literals = new ArrayList<>();
        try (Stream<Path> files = Files.walk(Path.of("src/main/java"))) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                Matcher m = JAVA_LITERAL.matcher(Files.readString(file));
                while (m.find()) {
                    literals.add(file.getFileName() + ": \"" + m.group(1) + "\"");
                }
            }
        }
        assertEquals(List.of(), literals, "exchange property names written as literals instead of ExchangeProps constants");
    }

    @Test
    void the_scan_finds_sets_reads_and_expressions() throws IOException {
        // the scan itself, on a route with each form, so the tests above cannot pass by finding nothing
        String route = """
                - route:
                    id: scan-example
                    from:
                      uri: direct:scan-example
                      steps:
                        # ${exchangeProperty.inAComment} is not a use
                        - setProperty:
                            name: setOne
                            constant: 1
                        - removeProperty:
                            name: removedOne
                        - filter:
                            simple: "${exchangeProperty.readOne.field} > 0"
                            steps:
                              - bean:
                                  ref: someBean
                                  method: "m(${exchangeProperty[indexedOne]}, ${exchangePropertyAs(typedOne, Integer)})"
                        - setBody:
                            exchangeProperty: expressionOne
                """;
        Set<String> found = new TreeSet<>();
        scan(new Load(LoadSettings.builder().build()).loadAllFromString(route), found);
        assertEquals(new TreeSet<>(Set.of("setOne", "removedOne", "readOne", "indexedOne", "typedOne", "expressionOne")), found);
        assertTrue(usesByRoute().containsKey(ExchangeProps.RAW_KEY), "the real routes' rawKey is found");
    }

    /** Property name -> the route files that use it. */
    private static Map<String, Set<String>> usesByRoute() throws IOException {
        Map<String, Set<String>> uses = new TreeMap<>();
        try (Stream<Path> files = Files.list(Path.of("routes"))) {
            for (Path file : files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList()) {
                Set<String> names = new TreeSet<>();
                scan(new Load(LoadSettings.builder().build()).loadAllFromString(Files.readString(file)), names);
                names.forEach(n -> uses.computeIfAbsent(n, k -> new TreeSet<>()).add(file.getFileName().toString()));
            }
        }
        assertTrue(!uses.isEmpty(), "no exchange property found in routes/: is the scan broken?");
        return uses;
    }

    /** Walks the parsed YAML (comments are gone): setProperty/removeProperty names, exchangeProperty expressions, Simple reads. */
    private static void scan(Object node, Set<String> names) {
        if (node instanceof Map<?, ?> map) {
            map.forEach((key, value) -> {
                if (("setProperty".equals(key) || "removeProperty".equals(key)) && value instanceof Map<?, ?> step
                        && step.get("name") instanceof String name) {
                    names.add(name);
                }
                if ("exchangeProperty".equals(key) && value instanceof String name) {
                    names.add(name);
                }
                scan(value, names);
            });
        } else if (node instanceof Iterable<?> list) {
            list.forEach(item -> scan(item, names));
        } else if (node instanceof String text) {
            Matcher m = SIMPLE_READ.matcher(text);
            while (m.find()) {
                names.add(m.group(1));
            }
        }
    }

    private static Set<String> constants() {
        Set<String> values = new TreeSet<>();
        for (Field field : ExchangeProps.class.getFields()) {
            if (Modifier.isStatic(field.getModifiers()) && field.getType() == String.class) {
                try {
                    values.add((String) field.get(null));
                } catch (IllegalAccessException e) {
                    throw new IllegalStateException(e);
                }
            }
        }
        return values;
    }
}

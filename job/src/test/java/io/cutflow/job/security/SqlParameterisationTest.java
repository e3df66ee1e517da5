package io.cutflow.job.security;

import io.cutflow.job.sink.CopyTarget;
import io.cutflow.job.sink.HashedObjectTargets;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every SQL statement the job's main sources (job/ and udf-inference/) send is parameterised: the text handed to
 * executeQuery / executeUpdate / execute / addBatch / prepareStatement / prepareCall / copyIn / copyOut /
 * withQueryStatement is built only from string literals and constants (followed through local variables, fields
 * and constants of other scanned classes); values travel as bind parameters. A non-constant piece of SQL text fails
 * the test unless it is one of the known safe concatenations below, each a table or column list from code
 * constants, never a value from data, configuration or the outside world. The merge statements of the COPY sink
 * are checked the same way (their only non-literal is the staging table's name), and the staging names are checked
 * at run time to be plain identifiers.
 */
class SqlParameterisationTest {

    private static final List<Path> MAIN_SOURCES = List.of(Path.of("src", "main", "java"),
            Path.of("..", "udf-inference", "src", "main", "java"));

    private static final Pattern SQL_CALL = Pattern.compile("\\.\\s*(executeQuery|executeUpdate|executeLargeUpdate|execute"
            + "|addBatch|prepareStatement|prepareCall|copyIn|copyOut|nativeSQL|withQueryStatement)\\s*\\(");
    private static final Pattern SQL_PRODUCER =
            Pattern.compile("public\\s+String\\s+(name|stagingColumns|insertSql|onConflict)\\s*\\([^)]*\\)\\s*\\{");
    private static final Pattern STRING_LITERAL = Pattern.compile("\"(?:[^\"\\\\]|\\\\.)*\"|\"\"\"[\\s\\S]*?\"\"\"");
    private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z_$][A-Za-z0-9_$]*");
    private static final Pattern QUALIFIED_CONSTANT = Pattern.compile("([A-Z][A-Za-z0-9_$]*)\\.([A-Z][A-Z0-9_]*)");

    /**
     * The known safe non-constant pieces of SQL text, by file and expression, and why each is safe. Every one is a
     * table name or column list that comes from code constants.
     */
    private static final Map<String, String> KNOWN_SAFE = Map.ofEntries(
            Map.entry("SchemaMigrator.java: script()",
            "sql/citus/distribute.sql, read from the classpath (cutflow-sql): shipped code, no value in it"),
            Map.entry("CopyUpsertWriter.java: target.name()",
            "staging table cutflow_stage_<name>: CopyTarget.name() returns a constant of HashedObjectTargets (checked below)"),
            Map.entry("CopyUpsertWriter.java: target.stagingColumns()",
            "staging columns: a constant column list of HashedObjectTargets (checked below)"),
            Map.entry("CopyUpsertWriter.java: target.mergeSql(stagingTable)",
            "the merge statement of HashedObjectTargets: insertSql + onConflict, literals around the staging table name (checked below)"),
            Map.entry("CopyUpsertWriter.java: target.insertSql(stagingTable)",
            "the plain insert of HashedObjectTargets: literals around the staging table name (checked below)"),
            Map.entry("HashedObjectTargets.java: staging",
            "the staging table name CopyUpsertWriter passes to insertSql (cutflow_stage_ + a constant name)"),
            Map.entry("CutflowCli.java: table",
            "summary: the loop variable over the literal array {image_urls, original_images, processing_jobs, result_assets}"),
            Map.entry("ReadableNames.java: sql",
            "parameter of the private query(..), whose callers pass the constants SOURCE_CONTENTS, NAME_FAILURES and ALL_NAMES"),
            Map.entry("ReprocessSelection.java: where.sql()",
            "SqlConditions: the literal condition fragments ReprocessSelection adds for the filters that are set; every value is a bind parameter (SqlConditions.bind)"),
            Map.entry("MetadataSinks.java: sql",
            "parameter of the private sink(..), whose callers pass the constant UPSERT_DISCOVERY_FAILURE (checked below)"),
            Map.entry("CompletedWork.java: FinalOutcomes.condition(\"j\")",
            "a constant: FinalOutcomes.condition wraps a literal alias in literal SQL; the final classes are a bind parameter"),
            Map.entry("CompletedWork.java: FinalOutcomes.condition(\"processing_jobs\")",
            "a constant: FinalOutcomes.condition wraps a literal table name in literal SQL; the final classes are a bind parameter"),
            Map.entry("ResultBatchWriter.java: FinalOutcomes.condition(\"p\")",
            "ResultUpserts.FINAL_JOBS, a constant: a literal alias in literal SQL; the final classes are a bind parameter"),
            Map.entry("ResultBatchWriter.java: jobUpsert(\"processing_jobs.status <> 'success'\")",
            "ResultUpserts.STREAM_JOBS, a constant: the job upsert with a literal conflict condition"),
            Map.entry("ResultBatchWriter.java: jobUpsert(\"(EXCLUDED.status = 'success' OR processing_jobs.status <> 'success')\")",
            "ResultUpserts.REPROCESS_JOBS, a constant: the job upsert with a literal conflict condition"));

    private record Source(Path path, String name, String code) {}

    private record Site(String where, String expression, List<String> nonConstant) {}

    @Test
    void everySqlStatementIsBuiltFromConstantsAndTakesValuesAsParameters() throws IOException {
        Map<String, Source> sources = load();
        List<Site> sites = new ArrayList<>();
        for (Source source : sources.values()) {
            Matcher call = SQL_CALL.matcher(source.code());
            while (call.find()) {
                String argument = firstArgument(source.code(), call.end());
                if (argument.isBlank() || topLevelIndexOf(argument, "->") >= 0) {
                    continue; // execute() without text, or an executor's execute(() -> ...): not SQL
                }
                List<String> nonConstant = new ArrayList<>();
                classify(sources, source, argument, nonConstant, new HashSet<>());
                sites.add(new Site(source.name() + ":" + line(source.code(), call.start()) + " " + call.group(1),
                        squash(argument), nonConstant));
            }
            // the SQL text a CopyTarget produces: what its name(), stagingColumns(), insertSql(..) and onConflict() return
            Matcher producer = SQL_PRODUCER.matcher(source.code());
            while (producer.find()) {
                int bodyStart = producer.end();
                String body = untilTopLevel(source.code(), bodyStart, '}');
                Matcher returns = Pattern.compile("\\breturn\\s+").matcher(body);
                while (returns.find()) {
                    String expression = untilTopLevel(body, returns.end(), ';');
                    List<String> nonConstant = new ArrayList<>();
                    classify(sources, source, expression, nonConstant, new HashSet<>());
                    sites.add(new Site(source.name() + ":" + line(source.code(), bodyStart + returns.start()) + " "
                            + producer.group(1) + "() returns", squash(expression), nonConstant));
                }
            }
        }

        List<String> violations = new ArrayList<>();
        Set<String> usedSafe = new HashSet<>();
        for (Site site : sites) {
            for (String piece : site.nonConstant()) {
                String key = site.where().substring(0, site.where().indexOf(':')) + ": " + piece;
                if (KNOWN_SAFE.containsKey(key)) {
                    usedSafe.add(key);
                } else {
                    violations.add(site.where() + ": non-constant SQL text [" + piece + "] in " + site.expression());
                }
            }
        }
        System.out.println("SQL sites checked:");
        sites.forEach(s -> System.out.println("  " + s.where() + (s.nonConstant().isEmpty() ? " constant" : " known safe "
                + s.nonConstant())));
        assertThat(sites).as("SQL call sites found (the scan works)").hasSizeGreaterThanOrEqualTo(8);
        assertThat(violations).as("SQL text built from non-constant values (use bind parameters, or document a new"
                + " safe concatenation in KNOWN_SAFE)").isEmpty();
        KNOWN_SAFE.keySet().stream().filter(k -> !usedSafe.contains(k))
                .forEach(k -> System.out.println("  (documented safe concatenation no longer used: " + k + ")"));
        assertThat(sites).as("the COPY targets' SQL is checked").anyMatch(s -> s.where().contains("insertSql() returns"))
                .anyMatch(s -> s.where().contains("onConflict() returns"));
    }

    @Test
    void theKnownSafeConcatenationsAreIdentifiersFromCodeConstants() throws Exception {
        Pattern identifier = Pattern.compile("[a-z_][a-z0-9_]*");
        int targets = 0;
        for (Field field : HashedObjectTargets.class.getFields()) {
            if (Modifier.isStatic(field.getModifiers()) && CopyTarget.class.isAssignableFrom(field.getType())) {
                CopyTarget<?> target = (CopyTarget<?>) field.get(null);
                assertThat(target.name()).matches(identifier);
                assertThat(target.stagingColumns()).matches("[a-z0-9_ (),]+");
                assertThat(target.mergeSql("cutflow_stage_" + target.name())).doesNotContain("?").doesNotContain(";");
                assertThat(target.insertSql("cutflow_stage_" + target.name())).doesNotContain("?").doesNotContain(";");
                targets++;
            }
        }
        assertThat(targets).isEqualTo(2);
        String sinks = Files.readString(Path.of("src/main/java/io/cutflow/job/sink/MetadataSinks.java"));
        Matcher calls = Pattern.compile("\\bsink\\(db, batchSize, interval, ([A-Za-z_]+),").matcher(sinks);
        int sinkCalls = 0;
        while (calls.find()) {
            assertThat(calls.group(1)).as("SQL passed to sink(..)").matches("[A-Z_]+");
            sinkCalls++;
        }
        assertThat(sinkCalls).as("callers of MetadataSinks.sink(..)").isPositive();
        String cli = Files.readString(Path.of("src/main/java/io/cutflow/job/launcher/CutflowCli.java"));
        assertThat(cli).contains("for (String table : new String[] {\"image_urls\", \"original_images\", \"processing_jobs\","
                + " \"result_assets\"})");
    }

    // ---- a small Java lexer: enough to follow string concatenations ------------------------------------------------

    private static Map<String, Source> load() throws IOException {
        Map<String, Source> sources = new LinkedHashMap<>();
        for (Path root : MAIN_SOURCES) {
            try (Stream<Path> files = Files.walk(root)) {
                for (Path file : files.filter(f -> f.toString().endsWith(".java")).sorted().toList()) {
                    String name = file.getFileName().toString();
                    sources.put(name, new Source(file, name, withoutComments(Files.readString(file))));
                }
            }
        }
        assertThat(sources).as("main sources").hasSizeGreaterThan(20);
        return sources;
    }

    /** Appends to nonConstant every piece of the expression that is not built from literals and constants. */
    private static void classify(Map<String, Source> sources, Source source, String expression, List<String> nonConstant,
            Set<String> resolving) {
        String e = expression.strip();
        if (e.isEmpty()) {
            return;
        }
        int question = topLevelIndexOf(e, "?");
        if (question >= 0) { // cond ? a : b: the value is a or b
            String rest = e.substring(question + 1);
            int colon = topLevelIndexOf(rest, ":");
            classify(sources, source, rest.substring(0, colon), nonConstant, resolving);
            classify(sources, source, rest.substring(colon + 1), nonConstant, resolving);
            return;
        }
        List<String> operands = splitTopLevel(e, '+');
        if (operands.size() > 1) {
            operands.forEach(o -> classify(sources, source, o, nonConstant, resolving));
            return;
        }
        if (e.startsWith("(") && e.endsWith(")") && untilTopLevel(e, 1, ')').length() == e.length() - 2) {
            classify(sources, source, e.substring(1, e.length() - 1), nonConstant, resolving);
            return;
        }
        if (STRING_LITERAL.matcher(e).matches() || e.matches("-?\\d+[lL]?") || e.matches("'(?:[^'\\\\]|\\\\.)'")) {
            return;
        }
        Matcher qualified = QUALIFIED_CONSTANT.matcher(e);
        if (qualified.matches() && sources.containsKey(qualified.group(1) + ".java")) {
            Source other = sources.get(qualified.group(1) + ".java");
            if (!resolve(sources, other, qualified.group(2), nonConstant, resolving)) {
                nonConstant.add(e);
            }
            return;
        }
        if (IDENTIFIER.matcher(e).matches()) {
            if (!resolve(sources, source, e, nonConstant, resolving)) {
                nonConstant.add(e);
            }
            return;
        }
        nonConstant.add(squash(e)); // a method call, a field of another object, an array element...
    }

    /** Follows the identifier to its initialisers and assignments in the file; false if it has none (a parameter). */
    private static boolean resolve(Map<String, Source> sources, Source source, String identifier, List<String> nonConstant,
            Set<String> resolving) {
        String key = source.name() + "#" + identifier;
        if (!resolving.add(key)) {
            return true; // already being followed
        }
        Matcher assignment = Pattern.compile("(?<![\\w$.])(?:this\\.)?" + Pattern.quote(identifier) + "\\s*=(?!=)")
                .matcher(source.code());
        boolean found = false;
        while (assignment.find()) {
            found = true;
            classify(sources, source, untilTopLevel(source.code(), assignment.end(), ';'), nonConstant, resolving);
        }
        return found;
    }

    private static String firstArgument(String code, int afterParen) {
        return code.substring(afterParen, topLevelEnd(code, afterParen, (s, i) -> s.charAt(i) == ',' || s.charAt(i) == ')'));
    }

    /** The text from start up to the first top-level end character (exclusive). */
    private static String untilTopLevel(String code, int start, char end) {
        return code.substring(start, topLevelEnd(code, start, (s, i) -> s.charAt(i) == end));
    }

    private static int topLevelIndexOf(String code, String token) {
        int at = topLevelEnd(code, 0, (s, i) -> s.startsWith(token, i));
        return at < code.length() && code.startsWith(token, at) ? at : -1;
    }

    private static List<String> splitTopLevel(String code, char separator) {
        List<String> parts = new ArrayList<>();
        int from = 0;
        while (true) {
            int at = topLevelEnd(code, from, (s, i) -> s.charAt(i) == separator);
            parts.add(code.substring(from, at));
            if (at >= code.length() || code.charAt(at) != separator) {
                return parts;
            }
            from = at + 1;
        }
    }

    private interface Stop {
        boolean at(String code, int i);
    }

    /**
     * The walk the helpers above share: from {@code from}, skipping literals and nested brackets, the index of the
     * first place where {@code stop} holds at bracket depth 0, or of a closing bracket that leaves the enclosing
     * one, or the end of the code.
     */
    private static int topLevelEnd(String code, int from, Stop stop) {
        int depth = 0;
        for (int i = from; i < code.length(); i++) {
            int skip = skipLiteral(code, i);
            if (skip > i) {
                i = skip - 1;
                continue;
            }
            char c = code.charAt(i);
            if (depth == 0 && stop.at(code, i)) {
                return i;
            }
            depth += (c == '(' || c == '[' || c == '{') ? 1 : (c == ')' || c == ']' || c == '}') ? -1 : 0;
            if (depth < 0) {
                return i;
            }
        }
        return code.length();
    }

    /** If a string, text block or char literal starts at i, the index after it; else i. */
    private static int skipLiteral(String code, int i) {
        if (code.startsWith("\"\"\"", i)) {
            int end = code.indexOf("\"\"\"", i + 3);
            while (end > 0 && code.charAt(end - 1) == '\\') {
                end = code.indexOf("\"\"\"", end + 1);
            }
            return end < 0 ? code.length() : end + 3;
        }
        char c = code.charAt(i);
        if (c == '"' || c == '\'') {
            int j = i + 1;
            while (j < code.length() && code.charAt(j) != c) {
                j += code.charAt(j) == '\\' ? 2 : 1;
            }
            return Math.min(code.length(), j + 1);
        }
        return i;
    }

    /** The source with comments blanked out (line breaks kept), literals untouched. */
    static String withoutComments(String code) {
        StringBuilder out = new StringBuilder(code.length());
        for (int i = 0; i < code.length(); ) {
            int skip = skipLiteral(code, i);
            if (skip > i) {
                out.append(code, i, skip);
                i = skip;
            } else if (code.startsWith("//", i)) {
                while (i < code.length() && code.charAt(i) != '\n') {
                    out.append(' ');
                    i++;
                }
            } else if (code.startsWith("/*", i)) {
                int end = code.indexOf("*/", i + 2);
                end = end < 0 ? code.length() : end + 2;
                for (; i < end; i++) {
                    out.append(code.charAt(i) == '\n' ? '\n' : ' ');
                }
            } else {
                out.append(code.charAt(i++));
            }
        }
        return out.toString();
    }

    private static int line(String code, int offset) {
        int line = 1;
        for (int i = 0; i < offset; i++) {
            line += code.charAt(i) == '\n' ? 1 : 0;
        }
        return line;
    }

    private static String squash(String expression) {
        String s = expression.strip().replaceAll("\\s+", " ");
        return s.length() > 160 ? s.substring(0, 157) + "..." : s;
    }
}

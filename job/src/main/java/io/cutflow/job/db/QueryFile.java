package io.cutflow.job.db;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * One analyst query of sql/queries/: a single statement with psql-style variables, {@code :'name'} (a quoted
 * literal) and {@code :name} (inserted as is), documented in the header comment. Substitution follows psql: never
 * inside string literals, quoted identifiers or comments, and {@code ::type} casts are left alone.
 */
public record QueryFile(String name, String text) {

    /** sql/queries as seen from a module's directory (where Maven runs tests). */
    public static final Path FOLDER = Path.of("..", "sql", "queries");

    private static final Pattern HEADER_PARAMETER = Pattern.compile("^--\\s+:('?)([A-Za-z_][A-Za-z0-9_]*)\\1\\s");
    private static final Pattern RAW_VALUE = Pattern.compile("-?[0-9]+");

    /** Every .sql file of the folder, sorted by name: a new file is picked up without touching the tests. */
    public static List<QueryFile> all() {
        try (Stream<Path> files = Files.list(FOLDER)) {
            return files.filter(p -> p.getFileName().toString().endsWith(".sql")).sorted()
                    .map(QueryFile::read).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static QueryFile named(String name) {
        return read(FOLDER.resolve(name));
    }

    /** A query file of another folder (a checkout's sql/queries from a benchmark). */
    public static QueryFile in(Path folder, String name) {
        return read(folder.resolve(name));
    }

    private static QueryFile read(Path path) {
        try {
            return new QueryFile(path.getFileName().toString(), Files.readString(path));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The parameters the header documents (lines such as {@code --   :'product_id'  text  ...}). */
    public Set<String> documentedParameters() {
        Set<String> names = new LinkedHashSet<>();
        for (String line : text.lines().toList()) {
            Matcher m = HEADER_PARAMETER.matcher(line);
            if (m.find()) {
                names.add(m.group(2));
            }
        }
        return names;
    }

    /** The variables the statement uses, outside comments and literals. */
    public Set<String> usedParameters() {
        Set<String> names = new LinkedHashSet<>();
        substitute(text, (name, quoted) -> {
            names.add(name);
            return "NULL";
        });
        return names;
    }

    /** The statement with every variable replaced; fails on a variable without a value. */
    public String bind(Map<String, ?> values) {
        return substitute(text, (name, quoted) -> {
            if (!values.containsKey(name)) {
                throw new IllegalArgumentException(this.name + ": no value for :" + name);
            }
            String value = String.valueOf(values.get(name));
            if (quoted) {
                return "'" + value.replace("'", "''") + "'";
            }
            if (!RAW_VALUE.matcher(value).matches()) {
                throw new IllegalArgumentException(this.name + ": :" + name + " is inserted unquoted, give a number");
            }
            return value;
        });
    }

    /** The number of statements (semicolons outside literals and comments). */
    public int statementCount() {
        int[] count = {0};
        scan(text, new StringBuilder(), (name, quoted) -> "", () -> count[0]++);
        return count[0];
    }

    private interface Binder {
        String bind(String name, boolean quoted);
    }

    private static String substitute(String sql, Binder binder) {
        StringBuilder out = new StringBuilder(sql.length());
        scan(sql, out, binder, () -> { });
        return out.toString();
    }

    private static void scan(String sql, StringBuilder out, Binder binder, Runnable onSemicolon) {
        int i = 0;
        int n = sql.length();
        while (i < n) {
            char c = sql.charAt(i);
            if (c == '-' && i + 1 < n && sql.charAt(i + 1) == '-') {
                int end = sql.indexOf('\n', i);
                end = end < 0 ? n : end;
                out.append(sql, i, end);
                i = end;
            } else if (c == '/' && i + 1 < n && sql.charAt(i + 1) == '*') {
                int end = sql.indexOf("*/", i + 2);
                end = end < 0 ? n : end + 2;
                out.append(sql, i, end);
                i = end;
            } else if (c == '\'' || c == '"') {
                int end = i + 1;
                while (end < n) {
                    if (sql.charAt(end) == c) {
                        if (end + 1 < n && sql.charAt(end + 1) == c) {
                            end += 2;
                            continue;
                        }
                        break;
                    }
                    end++;
                }
                end = Math.min(end + 1, n);
                out.append(sql, i, end);
                i = end;
            } else if (c == ':' && i + 1 < n && sql.charAt(i + 1) == ':') {
                out.append("::");
                i += 2;
            } else if (c == ':' && i + 2 < n && sql.charAt(i + 1) == '\'' && isNameStart(sql.charAt(i + 2))) {
                int end = i + 2;
                while (end < n && isNamePart(sql.charAt(end))) {
                    end++;
                }
                if (end < n && sql.charAt(end) == '\'') {
                    out.append(binder.bind(sql.substring(i + 2, end), true));
                    i = end + 1;
                } else {
                    out.append(c);
                    i++;
                }
            } else if (c == ':' && i + 1 < n && isNameStart(sql.charAt(i + 1))) {
                int end = i + 1;
                while (end < n && isNamePart(sql.charAt(end))) {
                    end++;
                }
                out.append(binder.bind(sql.substring(i + 1, end), false));
                i = end;
            } else {
                if (c == ';') {
                    onSemicolon.run();
                }
                out.append(c);
                i++;
            }
        }
    }

    private static boolean isNameStart(char c) {
        return Character.isLetter(c) || c == '_';
    }

    private static boolean isNamePart(char c) {
        return Character.isLetterOrDigit(c) || c == '_';
    }
}

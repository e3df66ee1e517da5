package io.cutflow.job.sink;

/** One line of PostgreSQL's COPY text format: tab-separated, backslash escapes, \N for NULL. */
public final class CopyRow {

    private final StringBuilder line;
    private boolean first = true;

    CopyRow(StringBuilder line) {
        this.line = line;
    }

    public CopyRow add(String value) {
        separator();
        if (value == null) {
            line.append("\\N");
            return this;
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '\\' -> line.append("\\\\");
                case '\t' -> line.append("\\t");
                case '\n' -> line.append("\\n");
                case '\r' -> line.append("\\r");
                case '\0' -> { } // PostgreSQL text cannot hold NUL
                default -> line.append(c);
            }
        }
        return this;
    }

    public CopyRow add(long value) {
        separator();
        line.append(value);
        return this;
    }

    public CopyRow add(Integer value) {
        return value == null ? add((String) null) : add((long) value);
    }

    void end() {
        line.append('\n');
    }

    private void separator() {
        if (!first) {
            line.append('\t');
        }
        first = false;
    }
}

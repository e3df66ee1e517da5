package io.cutflow.inference;

import java.io.Serializable;
import java.time.Duration;
import java.util.List;

/**
 * Where the inference stage finds its parameter templates. It is called on the task manager when the function
 * opens, so a client that submits the job needs no database access (and no password).
 */
@FunctionalInterface
public interface TemplateSource extends Serializable {

    List<ParameterTemplate> load();

    /** How often a running operator re-reads the templates ({@link LiveTemplates}); zero: never. */
    default Duration refreshInterval() {
        return Duration.ZERO;
    }

    /** Templates known up front (tests, tools). */
    static TemplateSource fixed(List<ParameterTemplate> templates) {
        List<ParameterTemplate> copy = List.copyOf(templates);
        return () -> copy;
    }
}

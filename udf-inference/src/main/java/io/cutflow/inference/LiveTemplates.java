package io.cutflow.inference;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The job's templates while it runs: loaded once when the operator opens, then re-read from their source every
 * {@link TemplateSource#refreshInterval()}, so a new version inserted into param_templates is used for the images
 * that arrive after it without a restart. A changed list is handed to the listener; a refresh that fails (database
 * away, a template for another model) keeps the current list and says why.
 */
public final class LiveTemplates implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(LiveTemplates.class);

    private final TemplateSource source;
    private final Consumer<List<ParameterTemplate>> onChange;
    private final ScheduledExecutorService refresher;
    private volatile List<ParameterTemplate> current;

    /** Loads the templates now (a failure here fails the operator's open) and schedules the refreshes. */
    public LiveTemplates(TemplateSource source, String owner, Consumer<List<ParameterTemplate>> onChange) {
        this.source = source;
        this.onChange = onChange;
        this.current = List.copyOf(source.load());
        Duration interval = source.refreshInterval();
        if (interval.isZero() || interval.isNegative()) {
            refresher = null;
            return;
        }
        refresher = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "cutflow-templates-" + owner);
            t.setDaemon(true);
            return t;
        });
        refresher.scheduleWithFixedDelay(this::refresh, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    public List<ParameterTemplate> current() {
        return current;
    }

    void refresh() {
        try {
            List<ParameterTemplate> loaded = List.copyOf(source.load());
            if (!loaded.equals(current)) {
                onChange.accept(loaded);
                LOG.info("Parameter templates changed: {} -> {}", current, loaded);
                current = loaded;
            }
        } catch (RuntimeException e) {
            LOG.warn("Refreshing the parameter templates failed, keeping {}: {}", current, e.toString());
        }
    }

    @Override
    public void close() {
        if (refresher != null) {
            refresher.shutdownNow();
        }
    }
}

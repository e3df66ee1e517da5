package io.cutflow.job.resume;

import io.cutflow.inference.InferenceRequest;
import io.cutflow.inference.LiveTemplates;
import io.cutflow.inference.TemplateSource;
import io.cutflow.job.db.BatchedLookupFunction;
import io.cutflow.job.db.DatabaseSettings;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.metrics.Counter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * Resume, don't redo: before a first sighting goes to inference, ask the database whether every template of the job
 * already has a final outcome on that content (a success, or a failure that is a verdict on its bytes:
 * {@link io.cutflow.job.outcome.FinalOutcomes}), and drop it if so. This holds with or without Flink state, so a re-run over
 * the same bucket, a job started without its savepoint, or a backfill killed half-way attempts only what was not
 * finished, and a second re-run over finished data writes nothing; final failures wait for bin/cutflow retry. A first sighting whose SHA-256 is not that of the content owning its MD5 in the database (a collision
 * the job's state cannot know of: a fresh start, a bootstrapped state) is dropped too. Batched, see
 * {@link BatchedLookupFunction}.
 */
public class SkipCompletedFunction extends BatchedLookupFunction<InferenceRequest, InferenceRequest> {

    private static final Logger LOG = LoggerFactory.getLogger(SkipCompletedFunction.class);

    private final DatabaseSettings db;
    private final TemplateSource templates;

    private transient LiveTemplates liveTemplates;
    private transient CompletedWork completedWork;
    private transient Counter skipped;
    private transient Counter passed;
    private transient Counter collisions;

    public SkipCompletedFunction(DatabaseSettings db, TemplateSource templates, int batchSize, long batchDelayMs) {
        super(batchSize, batchDelayMs);
        this.db = db;
        this.templates = templates;
    }

    @Override
    protected String lookupName() {
        return "doneLookup";
    }

    @Override
    public void open(OpenContext openContext) throws Exception {
        liveTemplates = new LiveTemplates(templates, "skip-completed-" + getRuntimeContext().getTaskInfo().getIndexOfThisSubtask(),
                changed -> { });
        completedWork = new CompletedWork(db);
        skipped = getRuntimeContext().getMetricGroup().counter("alreadyDone");
        passed = getRuntimeContext().getMetricGroup().counter("toInfer");
        collisions = getRuntimeContext().getMetricGroup().counter("md5CollisionsInDatabase");
        super.open(openContext);
    }

    @Override
    protected List<List<InferenceRequest>> lookUp(List<InferenceRequest> batch) throws SQLException {
        CompletedWork.Lookup found = completedWork.lookUp(batch, liveTemplates.current());
        List<List<InferenceRequest>> answers = new ArrayList<>(batch.size());
        for (InferenceRequest request : batch) {
            if (found.collidingUrls().contains(request.url())) {
                // another content owns this MD5 and its assets; the name's image_urls row shows it (md5_collisions)
                collisions.inc();
                LOG.warn("MD5 collision: {} (md5 {}, sha256 {}) is not the content the database holds under that md5;"
                        + " not inferred", request.url(), request.md5(), request.sha256());
                answers.add(List.of());
            } else if (found.done().contains(request.md5())) {
                skipped.inc();
                answers.add(List.of());
            } else {
                passed.inc();
                answers.add(List.of(request));
            }
        }
        return answers;
    }

    @Override
    public void close() throws Exception {
        super.close();
        if (liveTemplates != null) {
            liveTemplates.close();
        }
        if (completedWork != null) {
            completedWork.close();
        }
    }
}

package io.cutflow.job.outcome;

import io.cutflow.inference.InferenceResult;
import org.apache.flink.api.common.accumulators.LongCounter;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.metrics.MetricGroup;

import java.util.HashMap;
import java.util.Map;

/**
 * Counts outcomes on their way to the sink (async functions cannot hold accumulators): succeeded and failed
 * images as accumulators for the launcher's progress line, failures by class as metrics for operators.
 */
public class ResultTally extends RichMapFunction<InferenceResult, InferenceResult> {

    public static final String ACC_INFERRED = "cutflow.inferred";
    public static final String ACC_FAILED = "cutflow.failed";

    private transient LongCounter inferred;
    private transient LongCounter failed;
    private transient MetricGroup failures;
    private transient Map<String, org.apache.flink.metrics.Counter> failuresByClass;

    @Override
    public void open(OpenContext openContext) {
        inferred = new LongCounter();
        failed = new LongCounter();
        getRuntimeContext().addAccumulator(ACC_INFERRED, inferred);
        getRuntimeContext().addAccumulator(ACC_FAILED, failed);
        failures = getRuntimeContext().getMetricGroup().addGroup("failures");
        failuresByClass = new HashMap<>();
    }

    @Override
    public InferenceResult map(InferenceResult result) {
        if (result.succeeded()) {
            inferred.add(1);
        } else {
            failed.add(1);
            failuresByClass.computeIfAbsent(result.job().errorClass(), failures::counter).inc();
        }
        return result;
    }
}

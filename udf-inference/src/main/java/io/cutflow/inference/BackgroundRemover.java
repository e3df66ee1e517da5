package io.cutflow.inference;

import io.cutflow.inference.assets.AssetWriter;
import io.cutflow.inference.image.ImageDecoder;
import io.cutflow.inference.image.MaskTranslator;
import io.cutflow.inference.model.ModelException;
import io.cutflow.inference.model.ModelRunner;
import io.cutflow.inference.refine.ForegroundColour;
import io.cutflow.inference.refine.MaskRefiner;
import io.cutflow.inference.refine.ModelPass;
import io.cutflow.inference.refine.Refinement;
import io.cutflow.inference.review.ResultReview;
import io.cutflow.inference.review.ReviewFacts;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One image through every template: load the original (read by reference, check it is still what was hashed,
 * decode: {@link OriginalLoader}), infer once ({@link ModelRunner} with {@link MaskTranslator} for the model's pre-
 * and post-processing), then per template threshold the alpha and write its assets ({@link AssetWriter}), and build
 * the rows. A result with assets that {@link ResultReview} finds doubtful (empty or full mask, flat or over-exposed
 * image, ...) is needs_manual_review with its reason, its assets written for the operator. Every per-image problem becomes a failed result with its class, never an exception: the job must not
 * restart because of one bad object; what is retried and what fails over is {@link AttemptPolicy}'s call.
 */
public final class BackgroundRemover {

    private final ModelRunner runner;
    private final MaskTranslator translator;
    /** The model again for the steps that look twice (zoom_pass, flip_average, distinct_subject). */
    private final ModelPass modelPass;
    private final InferenceSettings settings;
    private final OriginalLoader loader;
    private final AssetWriter assetWriter;
    private final AttemptPolicy policy;
    private final ResultReview review;
    private final String workerNode;

    /** Optional: the per-attempt time limit (null: none, the operator's timeout alone). */
    private final AttemptTimer timer;

    public BackgroundRemover(ModelRunner runner, InferenceSettings settings, String workerNode) {
        this(runner, settings, workerNode, null);
    }

    public BackgroundRemover(ModelRunner runner, InferenceSettings settings, String workerNode, AttemptTimer timer) {
        this.timer = timer;
        this.runner = runner;
        this.translator = new MaskTranslator(runner.profile());
        this.modelPass = new ModelPass(runner);
        this.settings = settings;
        this.loader = new OriginalLoader(settings.maxObjectBytes(), settings.maxPixels());
        this.assetWriter = new AssetWriter(settings.processedBase(), settings.pngCompressionLevel());
        this.policy = new AttemptPolicy(settings.maxAttempts());
        this.review = new ResultReview(settings.review());
        this.workerNode = workerNode;
    }

    /** What one attempt learned; the decoded image survives a failure for the failure row's dimensions. */
    private static final class Attempt {
        ImageDecoder.Decoded decoded;
        int inferenceMs;
        AttemptTimer.Armed clock;
    }

    /**
     * @throws StorageUnavailableException when the object store stays unreachable over every attempt
     * @throws ResourceExhaustedException when the task manager runs out of memory on an image within the limits
     */
    public List<InferenceResult> process(InferenceRequest request) {
        long startedAt = System.currentTimeMillis();
        // storage retries are the store's, not the image's: they are not recorded as attempts, so a row does not
        // depend on when the store came back (a fail-over replay starts again at 1 anyway)
        int storageRetries = 0;
        for (int attempt = 1; ; attempt++) {
            stopIfClosing(request);
            Attempt state = new Attempt();
            try (AttemptTimer.Armed clock = timer == null ? null : timer.arm()) {
                state.clock = clock;
                try {
                    return runOnce(request, state, startedAt, attempt - storageRetries);
                } catch (ImageRejectedException e) {
                    stopIfClosing(request); // an aborted model run or read is the task's doing, not the image's
                    // a run the clock aborted fails as a model error: it is the attempt's timeout
                    if (clock != null && clock.expired() && e.failureClass() != FailureClass.TIMEOUT) {
                        throw new ImageRejectedException(FailureClass.TIMEOUT, "attempt " + attempt + " did not finish"
                                + " within " + timer.timeoutMs() + " ms", e);
                    }
                    throw e;
                }
            } catch (ImageRejectedException e) {
                AttemptPolicy.Next next = policy.after(e.failureClass(), attempt);
                if (next == AttemptPolicy.Next.FAIL_OVER) {
                    throw new StorageUnavailableException(e.getMessage() + " (after " + attempt + " attempts)", e);
                }
                if (next == AttemptPolicy.Next.ROW) {
                    return failures(request, startedAt, policy.status(e.failureClass()), e.failureClass(), e.getMessage(),
                            attempt - storageRetries, state.decoded);
                }
                if (e.failureClass() == FailureClass.IO_ERROR) {
                    storageRetries++;
                }
                sleep(AttemptPolicy.backOffMs(attempt));
            } catch (OutOfMemoryError e) {
                // the limits (cutflow.limits.*) already turned oversized images into too_large rows: this one fits them,
                // the task manager is short of memory
                throw new ResourceExhaustedException("out of memory processing " + request.url() + " (" + request.sizeBytes()
                        + " bytes, within the limits): " + e.getMessage(), e);
            } catch (InferenceCancelledException e) {
                throw e;
            } catch (RuntimeException e) {
                // a codec bug on a hostile file must not restart the job
                return failures(request, startedAt, InferenceResult.FAILED, FailureClass.UNDECODABLE,
                        e.getClass().getSimpleName() + ": " + e.getMessage(), attempt - storageRetries, state.decoded);
            }
        }
    }

    /** Failed results for every template of a request that never got through (e.g. a timeout). */
    public List<InferenceResult> failures(InferenceRequest request, long startedAt, FailureClass failureClass, String message) {
        return failures(request, startedAt, InferenceResult.FAILED, failureClass, message, 1, null);
    }

    private List<InferenceResult> runOnce(InferenceRequest request, Attempt state, long startedAt, int attempt)
            throws ImageRejectedException {
        state.decoded = loader.load(request, state.clock);
        int width = state.decoded.image().getWidth();
        int height = state.decoded.image().getHeight();

        long inferenceStart = System.nanoTime();
        float[] output = runInference(translator.toInput(state.decoded.image()));
        state.inferenceMs = (int) ((System.nanoTime() - inferenceStart) / 1_000_000);
        byte[] softAlpha = translator.toAlpha(output, width, height);
        stopIfClosing(request); // no asset for a task that is going away: the resumed job writes them
        if (state.clock != null && state.clock.expired()) {
            throw new ImageRejectedException(FailureClass.TIMEOUT, "inference took longer than " + timer.timeoutMs() + " ms");
        }

        // one verdict per image, on the model's alpha (kept: >= 128), whatever each template's threshold
        ResultReview.Verdict verdict = settings.review().enabled()
                ? review.review(ReviewFacts.measure(state.decoded.image(), softAlpha, state.decoded.truncation())) : null;
        String status = verdict == null ? InferenceResult.SUCCESS : InferenceResult.NEEDS_MANUAL_REVIEW;
        String reason = verdict == null ? null : verdict.reason().code();
        String message = verdict == null ? null : verdict.message();

        byte[] bgr = null;
        // refined alphas only when a template asks for them, one per set of mask steps: the others cost what they
        // cost before
        Map<Set<Refinement>, byte[]> refined = new HashMap<>();
        List<InferenceResult> results = new ArrayList<>(settings.templates().size());
        for (ParameterTemplate template : settings.templates()) {
            Set<Refinement> steps = Refinement.maskSteps(template.refinement());
            if (bgr == null && template.assets().stream().anyMatch(a -> a != AssetType.ALPHA_MASK)) {
                bgr = MaskTranslator.bgrPixels(state.decoded.image(), width, height);
            }
            byte[] soft = softAlpha;
            if (!steps.isEmpty()) {
                soft = refined.get(steps);
                if (soft == null) {
                    soft = refine(state.decoded.image(), translator.activate(output), steps);
                    refined.put(steps, soft);
                }
            }
            byte[] alpha = template.applyThreshold(soft);
            byte[] colours = template.refines(Refinement.FOREGROUND_COLOUR) && bgr != null
                    ? ForegroundColour.estimate(bgr, alpha, width, height) : bgr;
            AssetRecord[] assets = assetWriter.write(request.md5(), template, colours, alpha, width, height);
            results.add(result(request, template, startedAt, status, reason, message, attempt, state, assets));
        }
        return results;
    }

    private byte[] refine(java.awt.image.BufferedImage image, float[] coarse, Set<Refinement> steps)
            throws ImageRejectedException {
        try {
            return MaskRefiner.refine(image, coarse, steps, modelPass).alpha();
        } catch (ModelException e) {
            throw new ImageRejectedException(FailureClass.MODEL_ERROR, e.getMessage(), e);
        }
    }

    private float[] runInference(float[] input) throws ImageRejectedException {
        try {
            return runner.run(input);
        } catch (ModelException e) {
            throw new ImageRejectedException(FailureClass.MODEL_ERROR, e.getMessage(), e);
        }
    }

    private List<InferenceResult> failures(InferenceRequest request, long startedAt, String status,
            FailureClass failureClass, String message, int attempts, ImageDecoder.Decoded decoded) {
        Attempt state = new Attempt();
        state.decoded = decoded;
        List<InferenceResult> results = new ArrayList<>(settings.templates().size());
        for (ParameterTemplate template : settings.templates()) {
            results.add(result(request, template, startedAt, status, failureClass.code(), message, attempts, state,
                    new AssetRecord[0]));
        }
        return results;
    }

    private InferenceResult result(InferenceRequest request, ParameterTemplate template, long startedAt, String status,
            String errorClass, String message, int attempts, Attempt state, AssetRecord[] assets) {
        ImageDecoder.Decoded decoded = state.decoded;
        InferenceResult.OriginalImage original = new InferenceResult.OriginalImage(request.md5(), request.url(),
                request.sizeBytes(), request.sha256(), decoded == null ? null : decoded.image().getWidth(),
                decoded == null ? null : decoded.image().getHeight(), decoded == null ? null : decoded.format());
        InferenceResult.ProcessingJob job = new InferenceResult.ProcessingJob(template.id(), template.version(),
                template.toJson(), runner.profile().name(), runner.modelSha256(), status,
                errorClass, message, attempts, startedAt, System.currentTimeMillis(),
                state.inferenceMs, workerNode, runner.executionProvider());
        return new InferenceResult(original, job, assets);
    }

    /** The executor interrupts its threads when the task closes. */
    private static void stopIfClosing(InferenceRequest request) {
        if (Thread.currentThread().isInterrupted()) {
            throw new InferenceCancelledException(request.md5());
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

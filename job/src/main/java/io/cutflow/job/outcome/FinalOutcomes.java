package io.cutflow.job.outcome;

import io.cutflow.inference.FailureClass;

import io.cutflow.inference.review.ReviewReason;

import java.util.List;
import java.util.stream.Stream;

/**
 * Which outcomes are final for a content and template version: those the same bytes under the same template version
 * would get again. The streaming job decides a content once per template version: it does not attempt a content
 * whose outcomes are all final (a re-run, a restart without state, a second {@code run --once}:
 * {@code SkipCompletedFunction}), and its results sink drops an outcome for a template version whose outcome is
 * final already (a replay after a fail-over re-derives it; another template of the same content was not final), so
 * neither the job row nor the history changes; only a success still replaces a final failure (a limit raised since).
 * Final failures wait for {@code bin/cutflow retry}.
 *
 * <p>Final: a success; a failure that is a verdict on the bytes (and the configured limits): {@code empty},
 * {@code undecodable}, {@code truncated}, {@code unsupported_format}, {@code too_large}, and {@code model_error} (the model failed on
 * this input on every attempt; the row is needs_manual_review, which waits for a person or
 * {@code retry --status needs_manual_review}); and every review reason ({@code ReviewReason}: {@code empty_mask},
 * {@code flat_image}, {@code extreme_aspect_ratio}, ...): a needs_manual_review row with assets, a verdict on the
 * bytes under the configured thresholds, so it waits for a person or {@code retry --status needs_manual_review} too.
 *
 * <p>Not final, so a later sighting of the content is attempted again by the stream:
 * <ul>
 * <li>{@code vanished}, {@code content_changed}: about the name, not the content: the object was deleted or
 *     overwritten between listing and reading, and the content may be readable now, under this name or another;</li>
 * <li>{@code timeout}: depends on the load, the device and cutflow.inference.timeout, not on the bytes alone;</li>
 * <li>{@code io_error}: a storage error (the job fails over on those; rows written by earlier versions have it);</li>
 * <li>any class this list does not name.</li>
 * </ul>
 */
public final class FinalOutcomes {

    /** Failure classes that are final (processing_jobs.error_class). */
    public static final List<String> FAILURE_CLASSES = Stream.concat(Stream.of(FailureClass.EMPTY.code(),
            FailureClass.UNDECODABLE.code(), FailureClass.TRUNCATED.code(), FailureClass.UNSUPPORTED_FORMAT.code(),
            FailureClass.TOO_LARGE.code(), FailureClass.MODEL_ERROR.code()),
            Stream.of(ReviewReason.values()).map(ReviewReason::code)).distinct().toList();

    /**
     * The SQL condition "this job row's outcome is final", over processing_jobs' columns of the alias given, with the
     * final failure classes as one text[] parameter.
     */
    public static String condition(String alias) {
        return "(" + alias + ".status = 'success' OR " + alias + ".error_class = ANY (CAST(? AS text[])))";
    }

    private FinalOutcomes() {}
}

package io.cutflow.inference;

/**
 * The task is closing (stop-with-savepoint, cancel, failover) while an image is in flight: its work stops where it
 * is, writes no asset and no row, and the request, which the async operator's snapshot holds, is processed by the
 * job that resumes from that snapshot.
 */
public final class InferenceCancelledException extends RuntimeException {

    public InferenceCancelledException(String md5) {
        super("inference of " + md5 + " cancelled: the task is closing");
    }
}

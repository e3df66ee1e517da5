package io.cutflow.job.hashing;

/**
 * Dedup state per MD5. A POJO (not Kryo) so that fields can be added across savepoint upgrades.
 */
public class SightingState {
    /** When the content was first seen (epoch ms). */
    public long firstSeenAtMs;

    public SightingState() {}

    public SightingState(long firstSeenAtMs) {
        this.firstSeenAtMs = firstSeenAtMs;
    }
}

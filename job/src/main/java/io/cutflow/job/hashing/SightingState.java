package io.cutflow.job.hashing;

/**
 * Dedup state per MD5. A POJO (never Kryo) so that fields can be added across savepoint upgrades: version 0.1
 * had only firstSeenAtMs; firstUrl was added in 0.2 and is null for contents first seen before the upgrade.
 */
public class SightingState {
    /** When the content was first seen (epoch ms). */
    public long firstSeenAtMs;

    /** The name the content was first seen under (null when restored from a 0.1 savepoint). */
    public String firstUrl;

    public SightingState() {}

    public SightingState(long firstSeenAtMs, String firstUrl) {
        this.firstSeenAtMs = firstSeenAtMs;
        this.firstUrl = firstUrl;
    }
}

package io.cutflow.job.hashing;

/**
 * Dedup state per MD5 (of io.cutflow.job.dedup.FirstSightingFilter). It stays in this package: the POJO serializer
 * writes its class name into every savepoint, and a moved class would not restore them. A POJO (never Kryo) so that fields can be added across savepoint upgrades: version 0.1
 * had only firstSeenAtMs; firstUrl was added in 0.2 and is null for contents first seen before the upgrade; sha256
 * was added in 0.3 and is null for contents seen before it (or bootstrapped from a database without it);
 * firstModifiedAtMs was added for issue 23 and is 0 (unknown) for contents seen before it.
 */
public class SightingState {
    /** When the content was first seen (epoch ms). */
    public long firstSeenAtMs;

    /** The name the content was first seen under (null when restored from a 0.1 savepoint). */
    public String firstUrl;

    /** SHA-256 of the content that owns this MD5 (null: not known, no collision check possible in state). */
    public String sha256;

    /** The first name's modification time when it was listed (epoch ms; 0: unknown, the size alone is compared). */
    public long firstModifiedAtMs;

    public SightingState() {}

    public SightingState(long firstSeenAtMs, String firstUrl, String sha256, long firstModifiedAtMs) {
        this(firstSeenAtMs, firstUrl, sha256);
        this.firstModifiedAtMs = firstModifiedAtMs;
    }

    public SightingState(long firstSeenAtMs, String firstUrl) {
        this(firstSeenAtMs, firstUrl, null);
    }

    public SightingState(long firstSeenAtMs, String firstUrl, String sha256) {
        this.firstSeenAtMs = firstSeenAtMs;
        this.firstUrl = firstUrl;
        this.sha256 = sha256;
    }
}

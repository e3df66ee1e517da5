package io.cutflow.job.hashing;

/** An object with the MD5 of its content: one image_urls row. */
public record HashedObject(String url, String md5, long sizeBytes) {}

package io.cutflow.job.support;

import io.cutflow.inference.testing.HostileCorpus;
import io.cutflow.job.hashing.ContentHasher;
import io.cutflow.job.source.RawRoot;

import java.io.IOException;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The hostile corpus of the three discovery paths (issue 23): {@link HostileCorpus}'s contents under plain names, plus
 * hostile names, keys and links, each with the one outcome the job must reach ({@link Verdict}). Names carry the
 * baseline's bytes, so they cost no inference (one content, many names). An entry lists the paths it can exist on:
 * <ul>
 *   <li>local folder: no key with NUL, '//' or a '..' segment (the file system has no such name: they are the parent
 *       or an empty segment); links are local only;</li>
 *   <li>S3 listing: the same, plus no name above S3's 1,024-byte keys (so none reaches the 2,000-byte url limit), and
 *       no control character other than tab, CR and LF (S3's XML listing cannot carry one, AWS and s3proxy alike);</li>
 *   <li>bucket events: any key, since an event names it without it having to exist; links do not exist there.</li>
 * </ul>
 */
public final class HostileObjects {

    /** The discovery paths. */
    public enum Route { LOCAL, S3, EVENTS }

    /** The one outcome of an object. */
    public sealed interface Verdict permits Success, Review, Failed, Refused, Skipped {}

    /** An image_urls row whose job succeeded with an original of this size and its four assets (the default template's). */
    public record Success(int width, int height) implements Verdict {}

    /** An image_urls row whose job failed with this class and a message, and no assets. */
    public record Failed(String errorClass) implements Verdict {}

    /** Decoded but doubtful (issue 24): needs_manual_review with its reason, the assets written for an operator. */
    public record Review(String reason, int width) implements Verdict {}

    /** A discovery_failures row of this class (at the url's storable form), no image_urls row. */
    public record Refused(String errorClass) implements Verdict {}

    /** No row anywhere; counted by the path's skip metric. */
    public record Skipped(String reason) implements Verdict {}

    /**
     * One object: its key under the raw location, its bytes (null for a link), the link target (local only), its
     * verdict and the routes it exists on.
     */
    public record Entry(String key, byte[] bytes, String linkTarget, Verdict verdict, Set<Route> routes) {
        public boolean on(Route route) {
            return routes.contains(route);
        }
    }

    /** Hidden names: skipped by the listing (hiddenObjectsSkipped) and by the event parser (bucketEventsIgnored). */
    public static final String HIDDEN = "hidden name";

    private HostileObjects() {}

    /** The entries that exist on {@code route}. */
    public static List<Entry> on(Route route, long maxObjectBytes) throws IOException {
        return build(maxObjectBytes).stream().filter(e -> e.on(route)).toList();
    }

    /** Every entry (at least 40 for the local folder); maxObjectBytes is the cap the job under test runs with. */
    public static List<Entry> build(long maxObjectBytes) throws IOException {
        Map<String, HostileCorpus.Case> corpus = HostileCorpus.build(maxObjectBytes);
        byte[] baseline = corpus.get("baseline.jpg").bytes();
        Success same = new Success(corpus.get("baseline.jpg").width(), corpus.get("baseline.jpg").height());
        Set<Route> all = EnumSet.allOf(Route.class);
        Set<Route> notS3 = EnumSet.of(Route.LOCAL, Route.EVENTS);
        List<Entry> entries = new ArrayList<>();

        for (Map.Entry<String, HostileCorpus.Case> c : corpus.entrySet()) {
            HostileCorpus.Case content = c.getValue();
            Verdict verdict = content.bytes().length > maxObjectBytes ? new Refused(ContentHasher.TOO_LARGE)
                    : content.good() && content.review() != null ? new Review(content.review(), content.width())
                    : content.good() ? new Success(content.width(), content.height()) : new Failed(content.expectedClass());
            entries.add(new Entry("content/" + c.getKey(), content.bytes(), null, verdict, all));
        }

        // names a careless uploader gives: processed as any other
        for (String name : List.of("with space  ünïcødé 图片.jpg", " leading and trailing .jpg", "100%20% +plus&amp=;'.jpg",
                "hash#fragment?query=1.jpg", "new\nline.jpg", "carriage\rreturn\ttab.jpg", "\u202Ertl-override gpj.jpg",
                "cafe\u0301 nfd.jpg", "emoji \uD83D\uDCF7.jpg", "a..b/c..d.jpg", "trailing-dots...jpg", "colon:in:name.jpg",
                "brackets[1]{2}(3)!@$.jpg")) {
            entries.add(new Entry("names/" + name, baseline, null, same, all));
        }
        entries.add(new Entry("control/bell\u0007 and escape\u001b[31m.jpg", baseline, null, same, notS3));
        // names the file system layer would rewrite into other names: refused, never translated
        entries.add(new Entry("x\\..\\..\\outside.jpg", baseline, null, new Refused(RawRoot.UNSAFE_NAME), all));
        // hidden names (upload temporaries, _SUCCESS markers): skipped by design
        entries.add(new Entry(".hidden.jpg", baseline, null, new Skipped(HIDDEN), all));
        entries.add(new Entry("_temporary/part-0.jpg", baseline, null, new Skipped(HIDDEN), all));
        // a name longer than the url indexes take (2,400 bytes under the root, in segments a file system holds)
        entries.add(new Entry(longName(), baseline, null, new Refused(RawRoot.NAME_TOO_LONG), notS3));

        // keys only an event can name: they would climb out of the raw location or cannot be opened
        Set<Route> events = EnumSet.of(Route.EVENTS);
        for (String key : List.of("//etc/passwd", "a//b.jpg", "nul\0.jpg")) {
            entries.add(new Entry(key, baseline, null, new Refused(RawRoot.UNSAFE_NAME), events));
        }
        for (String key : List.of("../outside.jpg", "a/../../outside.jpg", "./dot.jpg")) { // a '.' segment is hidden
            entries.add(new Entry(key, baseline, null, new Skipped(HIDDEN), events));
        }

        // links (local only): never followed out of the root, never looped; one inside the root is read
        Set<Route> local = EnumSet.of(Route.LOCAL);
        entries.add(new Entry("links/link-in.jpg", null, "../content/baseline.jpg", same, local));
        entries.add(new Entry("links/esc", null, "/etc", new Refused(RawRoot.OUTSIDE_ROOT), local));
        entries.add(new Entry("links/loop", null, ".", new Refused("unreadable"), local));
        entries.add(new Entry("links/dangling.jpg", null, "nothing-here.jpg", new Refused("unreadable"), local));
        return entries;
    }

    private static String longName() {
        StringBuilder name = new StringBuilder("long");
        while (name.length() < 2400) {
            name.append("/segment-").append("s".repeat(190));
        }
        return name + "/end.jpg";
    }
}

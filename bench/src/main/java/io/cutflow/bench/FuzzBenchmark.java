package io.cutflow.bench;

import io.cutflow.inference.testing.HostileCorpus;
import io.cutflow.inference.testing.OrientedImages;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Coverage-guided fuzzing of the parsers that take outside bytes, with Jazzer (libFuzzer for the JVM), one process
 * per target: {@code bench/run FuzzBenchmark [seconds per target, 60] [target ...]}. Each target starts from its kept
 * inputs (and, for images, the small entries of the hostile corpus and a picture with EXIF orientation in each format
 * that carries it); every finding (crash, timeout, out-of-memory) is
 * copied into the kept inputs, which the regression tests replay in every build. Prints runs, runs/s, coverage and
 * findings per target. There is no baseline to compare with: the figure that matters is findings = 0 after the run.
 */
public final class FuzzBenchmark {

    private record Target(String name, String className, Path kept) {}

    private static final Pattern DONE = Pattern.compile("Done (\\d+) runs in (\\d+) second");
    private static final Pattern COVERAGE = Pattern.compile("cov: (\\d+) ft: (\\d+) corp: (\\d+)");

    private FuzzBenchmark() {}

    public static void main(String[] args) throws Exception {
        Path repo = Path.of(System.getProperty("cutflow.repo", "."));
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 60;
        List<Target> targets = List.of(
                new Target("image-parsers", "io.cutflow.inference.fuzz.ImageParsersFuzzTarget",
                        repo.resolve("udf-inference/src/test/resources/fuzz/image-parsers")),
                new Target("bucket-events", "io.cutflow.job.fuzz.BucketEventsFuzzTarget",
                        repo.resolve("job/src/test/resources/fuzz/bucket-events")));
        List<String> only = args.length > 1 ? List.of(args).subList(1, args.length) : List.of();
        System.out.printf("%-14s %8s %10s %8s %6s %6s %6s %9s%n", "target", "seconds", "runs", "runs/s", "cov", "ft",
                "corpus", "findings");
        int totalFindings = 0;
        for (Target target : targets) {
            if (!only.isEmpty() && !only.contains(target.name())) {
                continue;
            }
            totalFindings += fuzz(repo, target, seconds);
        }
        System.out.println(totalFindings == 0 ? "no findings" : totalFindings + " findings, kept as regression inputs");
    }

    private static int fuzz(Path repo, Target target, int seconds) throws Exception {
        Path work = repo.resolve("bench/target/fuzz/" + target.name());
        Path corpus = Files.createDirectories(work.resolve("corpus"));
        Path findings = Files.createDirectories(work.resolve("findings"));
        try (Stream<Path> old = Files.list(findings)) {
            for (Path f : old.toList()) {
                Files.delete(f);
            }
        }
        try (Stream<Path> kept = Files.list(target.kept())) {
            for (Path input : kept.toList()) {
                Files.copy(input, corpus.resolve(input.getFileName()), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        if (target.name().equals("image-parsers")) {
            for (Map.Entry<String, HostileCorpus.Case> c : HostileCorpus.build(1 << 20).entrySet()) {
                if (c.getValue().bytes().length <= 64 << 10) {
                    Files.write(corpus.resolve("hostile-" + c.getKey()), c.getValue().bytes());
                }
            }
            if (OrientedImages.available()) { // EXIF orientation in JPEG, PNG, TIFF and WebP: ExifOrientation's parsing
                for (Map.Entry<String, byte[]> image : OrientedImages.orientationSix(work).entrySet()) {
                    Files.write(corpus.resolve(image.getKey()), image.getValue());
                }
            }
        }
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of(java, "-Xmx1g", "-cp", System.getProperty("java.class.path"),
                "com.code_intelligence.jazzer.Jazzer",
                "--target_class=" + target.className(),
                "--instrumentation_includes=io.cutflow.**:com.twelvemonkeys.**:com.fasterxml.jackson.**",
                "--keep_going=100",
                "-max_total_time=" + seconds, "-timeout=20", "-rss_limit_mb=3072", "-print_final_stats=1",
                "-artifact_prefix=" + findings + "/", corpus.toString()));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).directory(work.toFile()).start();
        long runs = 0;
        long elapsed = seconds;
        String cov = "-";
        String ft = "-";
        String corp = "-";
        Path log = work.resolve("jazzer.log");
        try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
                var writer = Files.newBufferedWriter(log)) {
            for (String line; (line = out.readLine()) != null; ) {
                writer.write(line);
                writer.newLine();
                Matcher done = DONE.matcher(line);
                if (done.find()) {
                    runs = Long.parseLong(done.group(1));
                    elapsed = Math.max(1, Long.parseLong(done.group(2)));
                }
                Matcher coverage = COVERAGE.matcher(line);
                if (coverage.find()) {
                    cov = coverage.group(1);
                    ft = coverage.group(2);
                    corp = coverage.group(3);
                }
            }
        }
        int exit = process.waitFor();
        List<Path> found;
        try (Stream<Path> files = Files.list(findings)) {
            found = files.filter(Files::isRegularFile).toList();
        }
        for (Path finding : found) {
            Files.copy(finding, target.kept().resolve("finding-" + finding.getFileName()), StandardCopyOption.REPLACE_EXISTING);
        }
        System.out.printf("%-14s %8d %10d %8d %6s %6s %6s %9d%s%n", target.name(), elapsed, runs, runs / elapsed, cov, ft,
                corp, found.size(), exit == 0 || !found.isEmpty() ? "" : "  (jazzer exit " + exit + ", see " + log + ")");
        return found.size();
    }
}

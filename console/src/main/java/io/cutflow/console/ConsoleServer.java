package io.cutflow.console;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import gg.jte.ContentType;
import gg.jte.TemplateEngine;
import gg.jte.output.StringOutput;
import io.cutflow.console.board.BoardSnapshots;
import io.cutflow.console.db.ConsoleDatabase;
import io.cutflow.console.review.ReviewMarks;
import io.cutflow.console.templates.TemplateCatalog;
import io.cutflow.console.templates.TemplateVersion;
import io.cutflow.job.archive.ArchiveCommand;
import io.cutflow.job.export.AssetExporter;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.Cookie;
import io.javalin.http.SameSite;
import org.apache.flink.configuration.Configuration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The console's HTTP side: pages rendered from precompiled JTE templates (HTML escaping on) and the same data as
 * JSON under /api, API-key access (bearer header, or a sign-in cookie plus a CSRF token for writes), local assets
 * served strictly from under the processed and raw roots.
 */
public final class ConsoleServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ConsoleServer.class);
    static final String SESSION_COOKIE = "cutflow_session";
    static final String CSRF_HEADER = "X-CSRF-Token";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final String ROLE = "cutflow.role";
    private static final String SESSION = "cutflow.session";
    private static final String WHO = "cutflow.who";

    /** Signed-in browsers: the key's role, who it is (role and key digest prefix), the CSRF token, until when. */
    private record Session(ApiKeys.Role role, String who, String csrf, java.time.Instant expires) {}

    /** What the pages read and do, each in its own class. */
    public record Services(ConsoleQueries queries, AssetLinks links, RetryRuns retries, TemplateCatalog templates,
            BoardSnapshots board, ReviewMarks reviews, AssetExporter exporter, ConsoleDatabase db) {}

    static final java.time.Duration SESSION_TTL = java.time.Duration.ofHours(12);

    private final ApiKeys keys;
    private final ConsoleQueries queries;
    private final AssetLinks links;
    private final RetryRuns retries;
    private final Services services;
    private final TemplateEngine templates = TemplateEngine.createPrecompiled(ContentType.Html);
    private final Map<String, Session> sessions = new ConcurrentHashMap<>();
    private Javalin app;

    public ConsoleServer(ApiKeys keys, Services services) {
        this.keys = keys;
        this.services = services;
        this.queries = services.queries();
        this.links = services.links();
        this.retries = services.retries();
    }

    /** Starts listening; port 0 takes a free one. */
    public ConsoleServer start(String bind, int port) {
        app = Javalin.create(config -> {
            config.startup.showJavalinBanner = false;
            config.jetty.host = bind;
            config.jetty.port = port;
            config.routes.before(this::authenticate);
            config.routes.get("/signin", ctx -> render(ctx, "signin.jte", Map.of("message", "", "next", safeNext(ctx.queryParam("next")))));
            config.routes.post("/signin", this::signIn);
            config.routes.post("/signout", this::signOut);
            config.routes.get("/", this::searchPage);
            config.routes.get("/api/search", ctx -> json(ctx, Map.of("results", queries.search(ctx.queryParam("q")))));
            config.routes.get("/contents/{md5}", this::contentPage);
            config.routes.get("/api/contents/{md5}", this::contentJson);
            config.routes.get("/failures", this::failuresPage);
            config.routes.get("/api/failures", ctx -> json(ctx, failures(filter(ctx))));
            config.routes.post("/api/retry/preview", this::retryPreview);
            config.routes.post("/api/retry", this::retry);
            config.routes.get("/api/runs/{run}", this::runJson);
            config.routes.post("/api/reprocess", this::reprocess);
            config.routes.post("/api/review", this::review);
            config.routes.post("/api/restore", this::restore);
            config.routes.get("/templates", this::templatesPage);
            config.routes.get("/api/templates", ctx -> json(ctx, Map.of("versions", services.templates().versions())));
            config.routes.post("/templates", this::createTemplateForm);
            config.routes.post("/api/templates", this::createTemplateJson);
            config.routes.get("/templates/compare", this::comparePage);
            config.routes.get("/api/templates/compare", ctx -> json(ctx, compare(ctx)));
            config.routes.get("/board", ctx -> render(ctx, "board.jte", page(ctx, Map.of("b", services.board().board()))));
            config.routes.get("/api/board", ctx -> json(ctx, services.board().board()));
            config.routes.get("/export", ctx -> render(ctx, "export.jte", page(ctx, Map.of())));
            config.routes.get("/api/export", this::export);
            config.routes.get("/files/{root}/<path>", this::file);
            config.routes.get("/static/{name}", this::staticFile);
            config.routes.exception(IllegalArgumentException.class, (e, ctx) -> error(ctx, 400, e.getMessage()));
            config.routes.exception(Exception.class, (e, ctx) -> {
                org.slf4j.LoggerFactory.getLogger(ConsoleServer.class).warn("{} {} failed", ctx.method(), ctx.path(), e);
                error(ctx, 500, "internal error: " + e.getClass().getSimpleName());
            });
        }).start();
        return this;
    }

    public int port() {
        return app.port();
    }

    // ---- access ----

    private void authenticate(Context ctx) {
        String path = ctx.path();
        if (path.equals("/signin") || path.equals("/static/console.css") || path.equals("/static/console.js")) {
            return;
        }
        ApiKeys.Role role = null;
        String header = ctx.header("Authorization");
        boolean bearer = header != null && header.regionMatches(true, 0, "Bearer ", 0, 7);
        Session session = null;
        String who = null;
        if (bearer) {
            String key = header.substring(7).strip();
            role = keys.roleOf(key).orElse(null);
            who = role == null ? null : who(role, key);
        } else {
            String cookie = ctx.cookie(SESSION_COOKIE);
            session = cookie == null ? null : sessions.get(cookie);
            if (session != null && session.expires().isBefore(java.time.Instant.now())) {
                sessions.remove(cookie);
                session = null;
            }
            role = session == null ? null : session.role();
            who = session == null ? null : session.who();
        }
        if (role == null) {
            if (path.startsWith("/api/") || path.startsWith("/files/") || bearer || !ctx.method().name().equals("GET")) {
                ctx.status(401).header("WWW-Authenticate", "Bearer realm=\"cutflow\"");
                json(ctx, Map.of("error", "unauthorized: a valid API key is needed"));
            } else {
                ctx.status(401);
                render(ctx, "signin.jte", Map.of("message", "", "next", safeNext(ctx.path()
                        + (ctx.queryString() == null ? "" : "?" + ctx.queryString()))));
            }
            ctx.skipRemainingHandlers();
            return;
        }
        boolean write = !ctx.method().name().equals("GET") && !ctx.method().name().equals("HEAD");
        if (write && !path.equals("/signout")) {
            if (!role.canWrite()) {
                error(ctx, 403, "forbidden: a read-only key cannot do this");
                ctx.skipRemainingHandlers();
                return;
            }
        }
        if (write && !bearer) {
            // cookie sessions: the synchronizer token from the page, in a header (or the form field for plain forms)
            String token = Optional.ofNullable(ctx.header(CSRF_HEADER)).orElse(ctx.formParam("csrf"));
            if (token == null || !java.security.MessageDigest.isEqual(token.getBytes(StandardCharsets.UTF_8),
                    session.csrf().getBytes(StandardCharsets.UTF_8))) {
                error(ctx, 403, "forbidden: missing or wrong CSRF token");
                ctx.skipRemainingHandlers();
                return;
            }
        }
        ctx.attribute(ROLE, role);
        ctx.attribute(WHO, who);
        if (session != null) {
            ctx.attribute(SESSION, session);
        }
    }

    private void signIn(Context ctx) {
        String key = ctx.formParam("key");
        String next = safeNext(ctx.formParam("next"));
        Optional<ApiKeys.Role> role = keys.roleOf(key == null ? null : key.strip());
        if (role.isEmpty()) {
            ctx.status(401);
            render(ctx, "signin.jte", Map.of("message", "That key is not valid.", "next", next));
            return;
        }
        String id = token();
        java.time.Instant now = java.time.Instant.now();
        sessions.values().removeIf(s -> s.expires().isBefore(now));
        sessions.put(id, new Session(role.get(), who(role.get(), key.strip()), token(), now.plus(SESSION_TTL)));
        Cookie cookie = new Cookie(SESSION_COOKIE, id);
        cookie.setHttpOnly(true);
        cookie.setSameSite(SameSite.STRICT);
        cookie.setPath("/");
        cookie.setMaxAge((int) SESSION_TTL.toSeconds());
        ctx.cookie(cookie);
        ctx.redirect(next, io.javalin.http.HttpStatus.SEE_OTHER);
    }

    private void signOut(Context ctx) {
        String cookie = ctx.cookie(SESSION_COOKIE);
        if (cookie != null) {
            sessions.remove(cookie);
        }
        ctx.removeCookie(SESSION_COOKIE, "/");
        ctx.redirect("/signin", io.javalin.http.HttpStatus.SEE_OTHER);
    }

    /** Only paths on this console ("/..." but not "//host"). */
    static String safeNext(String next) {
        return next != null && next.startsWith("/") && !next.startsWith("//") && !next.startsWith("/\\") ? next : "/";
    }

    /** Who asked, for the records (reprocess runs, review marks): the role and a prefix of the key's SHA-256. */
    static String who(ApiKeys.Role role, String key) {
        try {
            byte[] d = java.security.MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
            return role.label() + ":" + HexFormat.of().formatHex(d).substring(0, 12);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String token() {
        byte[] b = new byte[32];
        RANDOM.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    // ---- pages and JSON ----

    private void searchPage(Context ctx) throws Exception {
        String q = Optional.ofNullable(ctx.queryParam("q")).orElse("").strip();
        List<Map<String, Object>> results = q.isEmpty() ? List.of() : queries.search(q);
        if (results.size() == 1 && "1".equals(ctx.queryParam("enter"))) {
            ctx.redirect("/contents/" + results.get(0).get("md5"));
            return;
        }
        render(ctx, "search.jte", page(ctx, Map.of("q", q, "results", results)));
    }

    private void contentPage(Context ctx) throws Exception {
        Map<String, Object> content = content(ctx);
        if (content == null) {
            error(ctx, 404, "no such content");
            return;
        }
        List<String> templateLabels = services.templates().versions().stream().map(View::template).toList();
        render(ctx, "content.jte", page(ctx, Map.of("c", content, "templates", templateLabels)));
    }

    private void contentJson(Context ctx) throws Exception {
        Map<String, Object> content = content(ctx);
        if (content == null) {
            error(ctx, 404, "no such content");
            return;
        }
        json(ctx, content);
    }

    private Map<String, Object> content(Context ctx) throws Exception {
        String md5 = ctx.pathParam("md5");
        return ConsoleQueries.MD5.matcher(md5).matches() ? queries.content(md5) : null;
    }

    private Map<String, Object> failures(FailureFilter f) throws Exception {
        Map<String, Object> result = new LinkedHashMap<>(queries.failures(f));
        // the board's snapshot (open failures and reviews by class, with the last day's share), not a count per view
        result.put("error_classes", services.board().board().getOrDefault("top_failures", List.of()));
        result.put("filter", f.asParams());
        return result;
    }

    private void failuresPage(Context ctx) throws Exception {
        FailureFilter f = filter(ctx);
        Map<String, Object> model = new LinkedHashMap<>(failures(f));
        render(ctx, "failures.jte", page(ctx, model));
    }

    private static FailureFilter filter(Context ctx) {
        return FailureFilter.from(ctx::queryParam);
    }

    private JobRetry.Selection selection(JsonNode body) {
        Set<String> md5s = body.has("md5") ? md5s(body) : Set.of();
        FailureFilter filter = FailureFilter.from(name -> body.hasNonNull(name) ? body.get(name).asText() : null);
        return new JobRetry.Selection(filter, md5s);
    }

    private JsonNode body(Context ctx) throws IOException {
        String text = ctx.body();
        JsonNode node = text.isBlank() ? JSON.createObjectNode() : JSON.readTree(text);
        if (!node.isObject()) {
            throw new IllegalArgumentException("the body must be a JSON object");
        }
        return node;
    }

    private void retryPreview(Context ctx) throws Exception {
        json(ctx, Map.of("contents", retries.retry().preview(selection(body(ctx)))));
    }

    private void retry(Context ctx) throws Exception {
        JsonNode body = body(ctx);
        String key = Optional.ofNullable(ctx.header("Idempotency-Key"))
                .orElse(body.hasNonNull("idempotency_key") ? body.get("idempotency_key").asText() : null);
        RetryRuns.Run run = retries.start(key, selection(body));
        ctx.status(202);
        json(ctx, run.json());
    }

    private void runJson(Context ctx) throws Exception {
        RetryRuns.Run run = retries.get(ctx.pathParam("run"));
        if (run == null) {
            error(ctx, 404, "no such run in this console");
            return;
        }
        json(ctx, run.json());
    }

    /** POST /api/reprocess {"template": "id[@v]", "md5": [...]}: those contents under that template, as a run. */
    private void reprocess(Context ctx) throws Exception {
        JsonNode body = body(ctx);
        String template = body.hasNonNull("template") ? body.get("template").asText() : null;
        TemplateVersion.parse(template); // a clear 400 before anything runs
        JobRetry.Selection selection = new JobRetry.Selection(FailureFilter.from(n -> null), md5s(body), template.strip());
        String key = Optional.ofNullable(ctx.header("Idempotency-Key"))
                .orElse(body.hasNonNull("idempotency_key") ? body.get("idempotency_key").asText() : null);
        ctx.status(202);
        json(ctx, retries.start(key, selection).json());
    }

    /** POST /api/review {"md5", "template_id", "template_version", "mark": "reviewed"|"given_up", "note"}. */
    private void review(Context ctx) throws Exception {
        JsonNode body = body(ctx);
        Set<String> md5 = md5s(body);
        if (md5.size() != 1 || !body.hasNonNull("template_id") || !body.hasNonNull("template_version")
                || !body.hasNonNull("mark")) {
            throw new IllegalArgumentException("a mark needs md5 (one), template_id, template_version and mark");
        }
        boolean marked = services.reviews().mark(md5.iterator().next(), body.get("template_id").asText(),
                body.get("template_version").asInt(), body.get("mark").asText(), ctx.attribute(WHO),
                body.hasNonNull("note") ? body.get("note").asText() : null);
        if (!marked) {
            error(ctx, 409, "that content has no failed or in-review row under that template version");
            return;
        }
        json(ctx, Map.of("marked", true));
    }

    /**
     * POST /api/restore {"md5", "template": "id@version" (optional), "asset_type" (optional)}: brings a content's
     * archived assets back to the hot tier now, through the same code as {@code bin/cutflow restore}, and answers
     * {"objects", "bytes"} once they are back (a content's assets: a few objects).
     */
    private void restore(Context ctx) throws Exception {
        JsonNode body = body(ctx);
        Set<String> md5 = md5s(body);
        if (md5.size() != 1) {
            throw new IllegalArgumentException("a restore names one md5");
        }
        TemplateVersion template = body.hasNonNull("template") ? TemplateVersion.parse(body.get("template").asText()) : null;
        String assetType = body.hasNonNull("asset_type") ? body.get("asset_type").asText() : null;
        ArchiveCommand.Moved moved = ArchiveCommand.execute(new ArchiveCommand.Request("restore", new Configuration(),
                assetType, Duration.ZERO, null, false, md5.iterator().next(), template == null ? null : template.id(),
                template == null ? null : template.version(), ArchiveCommand.DEFAULT_PARALLELISM), services.db().settings(),
                new PrintStream(OutputStream.nullOutputStream(), true, StandardCharsets.UTF_8));
        LOG.info("{} restored {} objects, {} bytes of {}", (Object) ctx.attribute(WHO), moved.objects(), moved.bytes(),
                md5.iterator().next());
        json(ctx, Map.of("objects", moved.objects(), "bytes", moved.bytes()));
    }

    private void templatesPage(Context ctx) throws Exception {
        Map<String, Object> model = new LinkedHashMap<>();
        model.put("versions", services.templates().versions());
        model.put("created", Optional.ofNullable(ctx.queryParam("created")).orElse(""));
        model.put("message", "");
        render(ctx, "templates.jte", page(ctx, model));
    }

    /** The page's form: a new version, then back to the list (the error on the page when it is refused). */
    private void createTemplateForm(Context ctx) throws Exception {
        TemplateCatalog.NewVersion v;
        try {
            String threshold = ctx.formParam("alpha_threshold");
            v = new TemplateCatalog.NewVersion(ctx.formParam("template_id"), ctx.formParam("model_profile"),
                    threshold == null || threshold.isBlank() ? null : Float.valueOf(threshold.strip()),
                    ctx.formParams("assets"), ctx.formParam("description"));
        } catch (IllegalArgumentException e) {
            Map<String, Object> model = new LinkedHashMap<>();
            model.put("versions", services.templates().versions());
            model.put("created", "");
            model.put("message", e.getMessage() == null ? "invalid template" : e.getMessage());
            ctx.status(400);
            render(ctx, "templates.jte", page(ctx, model));
            return;
        }
        int version = services.templates().create(v);
        ctx.redirect("/templates?created=" + java.net.URLEncoder.encode(v.templateId() + "@" + version,
                StandardCharsets.UTF_8), io.javalin.http.HttpStatus.SEE_OTHER);
    }

    /** POST /api/templates {"template_id", "model_profile", "alpha_threshold" (null: soft), "assets", "description"}. */
    private void createTemplateJson(Context ctx) throws Exception {
        JsonNode body = body(ctx);
        List<String> assets = new ArrayList<>();
        if (body.has("assets")) {
            body.get("assets").forEach(a -> assets.add(a.asText()));
        }
        TemplateCatalog.NewVersion v = new TemplateCatalog.NewVersion(text(body, "template_id"), text(body, "model_profile"),
                body.hasNonNull("alpha_threshold") ? (float) body.get("alpha_threshold").asDouble() : null, assets,
                text(body, "description"));
        int version = services.templates().create(v);
        ctx.status(201);
        json(ctx, Map.of("template_id", v.templateId(), "template_version", version));
    }

    private static String text(JsonNode body, String name) {
        return body.hasNonNull(name) ? body.get(name).asText() : null;
    }

    private Map<String, Object> compare(Context ctx) throws Exception {
        TemplateVersion left = services.templates().resolve(ctx.queryParam("left"));
        TemplateVersion right = services.templates().resolve(ctx.queryParam("right"));
        return services.templates().compare(left, right);
    }

    private void comparePage(Context ctx) throws Exception {
        Map<String, Object> model = new LinkedHashMap<>();
        model.put("versions", services.templates().versions());
        boolean chosen = ctx.queryParam("left") != null && ctx.queryParam("right") != null;
        model.put("cmp", chosen ? compare(ctx) : Map.of());
        render(ctx, "compare.jte", page(ctx, model));
    }

    /** GET /api/export?since&until[&template][&format=csv|jsonl]: the exporter's rows, streamed as a download. */
    private void export(Context ctx) throws Exception {
        java.time.Instant since = FailureFilter.instant(ctx.queryParam("since"), "since");
        java.time.Instant until = FailureFilter.instant(ctx.queryParam("until"), "until");
        if (since == null || until == null || !since.isBefore(until)) {
            throw new IllegalArgumentException("export needs since < until");
        }
        String template = ctx.queryParam("template");
        if (template != null && !template.isBlank()) {
            io.cutflow.inference.assets.AssetKeys.requireName("template id", template.strip());
        }
        AssetExporter.Format format = "jsonl".equals(ctx.queryParam("format")) ? AssetExporter.Format.JSONL
                : AssetExporter.Format.CSV;
        String name = "cutflow-assets-" + since.toString().replace(':', '-') + "." + format.name().toLowerCase(java.util.Locale.ROOT);
        ctx.header("X-Content-Type-Options", "nosniff");
        ctx.header("Content-Disposition", "attachment; filename=\"" + name + "\"");
        ctx.contentType(format == AssetExporter.Format.CSV ? "text/csv; charset=utf-8" : "application/x-ndjson");
        try (java.sql.Connection c = services.db().reading();
                java.io.Writer out = new java.io.BufferedWriter(new java.io.OutputStreamWriter(
                        ctx.outputStream(), StandardCharsets.UTF_8))) {
            services.exporter().export(c, since, until, template == null || template.isBlank() ? null : template.strip(),
                    format, out);
        }
    }

    private static Set<String> md5s(JsonNode body) {
        Set<String> md5s = new LinkedHashSet<>();
        if (body.has("md5")) {
            JsonNode list = body.get("md5");
            for (JsonNode m : list.isArray() ? list : JSON.createArrayNode().add(list)) {
                String v = m.asText();
                if (!ConsoleQueries.MD5.matcher(v).matches()) {
                    throw new IllegalArgumentException("not an md5: " + v);
                }
                md5s.add(v.toLowerCase(java.util.Locale.ROOT));
            }
        }
        if (md5s.isEmpty()) {
            throw new IllegalArgumentException("md5 is empty");
        }
        return md5s;
    }

    /** GET /files/{processed|raw}/REL: the file under that root, or 404 (never anything outside it). */
    private void file(Context ctx) throws IOException {
        String root = ctx.pathParam("root");
        String uri = ctx.req().getRequestURI();
        String prefix = "/files/" + root + "/";
        Optional<Path> file = Optional.empty();
        if (uri.startsWith(prefix)) {
            List<String> parts = new ArrayList<>();
            boolean ok = true;
            for (String raw : uri.substring(prefix.length()).split("/", -1)) {
                String part = URLDecoder.decode(raw.replace("+", "%2B"), StandardCharsets.UTF_8);
                if (part.isEmpty() || part.equals(".") || part.equals("..") || part.contains("/") || part.contains("\\")) {
                    ok = false;
                    break;
                }
                parts.add(part);
            }
            if (ok) {
                file = links.resolve(root, String.join("/", parts));
            }
        }
        if (file.isEmpty()) {
            error(ctx, 404, "not found");
            return;
        }
        String name = file.get().getFileName().toString().toLowerCase(java.util.Locale.ROOT);
        String type = name.endsWith(".png") ? "image/png" : name.endsWith(".jpg") || name.endsWith(".jpeg") ? "image/jpeg"
                : name.endsWith(".webp") ? "image/webp" : name.endsWith(".gif") ? "image/gif" : name.endsWith(".bmp")
                ? "image/bmp" : "application/octet-stream";
        ctx.header("X-Content-Type-Options", "nosniff");
        ctx.header("Content-Security-Policy", "default-src 'none'; sandbox");
        ctx.header("Cache-Control", "private, max-age=300");
        ctx.contentType(type);
        InputStream in = Files.newInputStream(file.get());
        ctx.result(in);
    }

    private void staticFile(Context ctx) throws IOException {
        String name = ctx.pathParam("name");
        String type = switch (name) {
            case "console.css" -> "text/css; charset=utf-8";
            case "console.js" -> "text/javascript; charset=utf-8";
            default -> null;
        };
        InputStream in = type == null ? null : ConsoleServer.class.getResourceAsStream("/static/" + name);
        if (in == null) {
            error(ctx, 404, "not found");
            return;
        }
        ctx.header("X-Content-Type-Options", "nosniff");
        ctx.contentType(type).result(in.readAllBytes());
        in.close();
    }

    // ---- helpers ----

    private Map<String, Object> page(Context ctx, Map<String, Object> model) {
        Map<String, Object> m = new LinkedHashMap<>(model);
        ApiKeys.Role role = ctx.attribute(ROLE);
        Session session = ctx.attribute(SESSION);
        m.put("role", role == null ? "" : role.label());
        m.put("csrf", session == null ? "" : session.csrf());
        m.put("canWrite", role != null && role.canWrite());
        m.put("pageKey", token());
        return m;
    }

    private void render(Context ctx, String template, Map<String, Object> model) {
        StringOutput out = new StringOutput();
        templates.render(template, model, out);
        securityHeaders(ctx);
        ctx.contentType("text/html; charset=utf-8").result(out.toString());
    }

    private static void securityHeaders(Context ctx) {
        ctx.header("Content-Security-Policy", "default-src 'self'; img-src 'self' data: http: https:; "
                + "style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'");
        ctx.header("X-Content-Type-Options", "nosniff");
        ctx.header("Referrer-Policy", "no-referrer");
    }

    private static void json(Context ctx, Object value) {
        ctx.header("X-Content-Type-Options", "nosniff");
        try {
            ctx.contentType("application/json").result(JSON.writeValueAsString(value));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void error(Context ctx, int status, String message) {
        ctx.status(status);
        json(ctx, Map.of("error", message == null ? "error" : message));
    }

    @Override
    public void close() {
        if (app != null) {
            app.stop();
        }
    }
}

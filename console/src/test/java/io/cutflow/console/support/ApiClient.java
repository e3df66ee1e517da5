package io.cutflow.console.support;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

/** The console's HTTP API as a script would call it: a bearer key (or none), no redirects followed. */
public final class ApiClient {

    private final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();
    private final String base;

    public ApiClient(String base) {
        this.base = base;
    }

    public HttpClient http() {
        return http;
    }

    public HttpResponse<String> get(String path, String key) throws Exception {
        HttpRequest.Builder r = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30));
        if (key != null) {
            r.header("Authorization", "Bearer " + key);
        }
        return http.send(r.build(), HttpResponse.BodyHandlers.ofString());
    }

    public HttpResponse<String> post(String path, String key, String json, Map<String, String> headers) throws Exception {
        HttpRequest.Builder r = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(60))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json));
        if (key != null) {
            r.header("Authorization", "Bearer " + key);
        }
        headers.forEach(r::header);
        return http.send(r.build(), HttpResponse.BodyHandlers.ofString());
    }
}

package io.cutflow.console.templates;

import io.cutflow.inference.assets.AssetKeys;

/** A template named as {@code id@version}; version 0 means "its latest" until resolved. */
public record TemplateVersion(String id, int version) {

    public TemplateVersion {
        AssetKeys.requireName("template id", id);
    }

    public static TemplateVersion parse(String spec) {
        if (spec == null || spec.isBlank()) {
            throw new IllegalArgumentException("a template is needed (id or id@version)");
        }
        String s = spec.strip();
        int at = s.indexOf('@');
        if (at < 0) {
            return new TemplateVersion(s, 0);
        }
        try {
            int v = Integer.parseInt(s.substring(at + 1));
            if (v < 1) {
                throw new NumberFormatException();
            }
            return new TemplateVersion(s.substring(0, at), v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a template version: " + spec);
        }
    }

    public String label() {
        return id + "@" + version;
    }
}

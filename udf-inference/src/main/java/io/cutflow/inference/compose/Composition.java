package io.cutflow.inference.compose;

import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A template's composite: the cut-out placed on a canvas a shop publishes (param_templates.composition). The
 * parameters mean what the leading background-removal APIs mean by them (remove.bg: size, crop_margin, scale,
 * position, bg_color, shadow_type, shadow_opacity, format):
 * <ul>
 * <li>{@code canvas}: {@code WxH} pixels (e.g. {@code 2000x2000}), or an aspect {@code W:H} (e.g. {@code 1:1}): the
 *     subject's box plus the margins, widened to that aspect;</li>
 * <li>{@code margin}: free space on every side, {@code N%} of the canvas side or {@code Npx} (default 0);</li>
 * <li>{@code scale}: the subject's size as a share of the space inside the margins, {@code N%} (default 100 %:
 *     fitted, aspect kept);</li>
 * <li>{@code position}: {@code center} or {@code X% Y%}: where the subject sits in the space left (0 % left/top,
 *     100 % right/bottom; {@code 50% 100%} stands it on the bottom margin);</li>
 * <li>{@code background}: {@code transparent} or {@code #RRGGBB} (marketplaces ask for {@code #FFFFFF});</li>
 * <li>{@code shadow}: {@code none}, {@code drop} (the subject's silhouette, blurred, offset straight down) or
 *     {@code contact} (a soft ellipse under its base); {@code shadow_opacity} 0..100 (default 50); a shadow never
 *     shows above the subject;</li>
 * <li>{@code format}: {@code png} or {@code jpeg} ({@code quality} 1..100, default 90; needs a colour background).
 *     {@code webp} is refused: no WebP writer is available (TwelveMonkeys' WebP plugin only reads).</li>
 * </ul>
 */
public record Composition(int canvasWidth, int canvasHeight, int aspectWidth, int aspectHeight, Length margin,
        double scale, double positionX, double positionY, Integer background, Shadow shadow, double shadowOpacity,
        Format format, int quality) implements Serializable {

    public enum Shadow { NONE, DROP, CONTACT }

    public enum Format {
        PNG("png"), JPEG("jpg");

        private final String extension;

        Format(String extension) {
            this.extension = extension;
        }

        public String extension() {
            return extension;
        }
    }

    /** A length in pixels or as a share of a side. */
    public record Length(double value, boolean relative) implements Serializable {
        public int pixels(int side) {
            return (int) Math.round(relative ? value * side : value);
        }

        @Override
        public String toString() {
            return relative ? trim(value * 100) + "%" : trim(value) + "px";
        }
    }

    public static final Set<String> KEYS = Set.of("canvas", "margin", "scale", "position", "background", "shadow",
            "shadow_opacity", "format", "quality");
    private static final int MAX_SIDE = 8000;
    private static final Pattern SIZE = Pattern.compile("(\\d{1,5})x(\\d{1,5})");
    private static final Pattern ASPECT = Pattern.compile("(\\d{1,3}):(\\d{1,3})");
    private static final Pattern LENGTH = Pattern.compile("(\\d+(?:\\.\\d+)?)(%|px)");
    private static final Pattern PERCENT = Pattern.compile("(\\d+(?:\\.\\d+)?)%");
    private static final Pattern COLOUR = Pattern.compile("#([0-9a-fA-F]{6})");

    public Composition {
        boolean fixed = canvasWidth > 0 && canvasHeight > 0;
        boolean aspect = aspectWidth > 0 && aspectHeight > 0;
        if (fixed == aspect) {
            throw new IllegalArgumentException("composition needs a canvas: WxH pixels or a W:H aspect");
        }
        if (canvasWidth > MAX_SIDE || canvasHeight > MAX_SIDE) {
            throw new IllegalArgumentException("composition canvas above " + MAX_SIDE + " px a side");
        }
        if (margin.relative() ? margin.value() >= 0.5 : fixed && (2 * margin.value() >= Math.min(canvasWidth, canvasHeight))) {
            throw new IllegalArgumentException("composition margin " + margin + " leaves no room for the subject");
        }
        if (!(scale > 0 && scale <= 1)) {
            throw new IllegalArgumentException("composition scale must be within 1..100 %: " + scale * 100);
        }
        if (!(positionX >= 0 && positionX <= 1 && positionY >= 0 && positionY <= 1)) {
            throw new IllegalArgumentException("composition position must be within 0..100 %");
        }
        if (!(shadowOpacity >= 0 && shadowOpacity <= 1)) {
            throw new IllegalArgumentException("composition shadow_opacity must be within 0..100");
        }
        if (format == Format.JPEG && background == null) {
            throw new IllegalArgumentException("composition format jpeg has no transparency: give a background colour"
                    + " (e.g. #FFFFFF) or use png");
        }
        if (quality < 1 || quality > 100) {
            throw new IllegalArgumentException("composition quality must be within 1..100: " + quality);
        }
    }

    /** From param_templates.composition's keys and values (text); unknown keys and bad values are refused. */
    public static Composition parse(Map<String, String> parameters) {
        for (String key : parameters.keySet()) {
            if (!KEYS.contains(key)) {
                throw new IllegalArgumentException("unknown composition parameter " + key + " (known: "
                        + String.join(", ", new TreeSet<>(KEYS)) + ")");
            }
        }
        String canvas = parameters.getOrDefault("canvas", "");
        int cw = 0, ch = 0, aw = 0, ah = 0;
        Matcher size = SIZE.matcher(canvas);
        Matcher aspect = ASPECT.matcher(canvas);
        if (size.matches()) {
            cw = Integer.parseInt(size.group(1));
            ch = Integer.parseInt(size.group(2));
        } else if (aspect.matches()) {
            aw = Integer.parseInt(aspect.group(1));
            ah = Integer.parseInt(aspect.group(2));
        } else {
            throw new IllegalArgumentException("composition canvas must be WxH pixels or a W:H aspect: '" + canvas + "'");
        }
        Length margin = length("margin", parameters.getOrDefault("margin", "0px"));
        double scale = percent("scale", parameters.getOrDefault("scale", "100%"));
        double[] position = position(parameters.getOrDefault("position", "center"));
        Integer background = background(parameters.getOrDefault("background", "transparent"));
        Shadow shadow = choice(Shadow.class, "shadow", parameters.getOrDefault("shadow", "none"));
        double opacity = number("shadow_opacity", parameters.getOrDefault("shadow_opacity", "50")) / 100;
        String formatName = parameters.getOrDefault("format", "png").toLowerCase(Locale.ROOT);
        if (formatName.equals("webp")) {
            throw new IllegalArgumentException("composition format webp is not available: no WebP image writer is"
                    + " installed (TwelveMonkeys' WebP plugin only reads); use png or jpeg");
        }
        Format format = choice(Format.class, "format", formatName.equals("jpg") ? "jpeg" : formatName);
        int quality = (int) number("quality", parameters.getOrDefault("quality", "90"));
        return new Composition(cw, ch, aw, ah, margin, scale, position[0], position[1], background, shadow, opacity,
                format, quality);
    }

    /** The parameters as JSON (processing_jobs.parameters), in a fixed key order. */
    public String toJson() {
        Map<String, String> out = new LinkedHashMap<>();
        out.put("canvas", canvasWidth > 0 ? canvasWidth + "x" + canvasHeight : aspectWidth + ":" + aspectHeight);
        out.put("margin", margin.toString());
        out.put("scale", trim(scale * 100) + "%");
        out.put("position", trim(positionX * 100) + "% " + trim(positionY * 100) + "%");
        out.put("background", background == null ? "transparent" : String.format("#%06X", background));
        out.put("shadow", shadow.name().toLowerCase(Locale.ROOT));
        out.put("shadow_opacity", trim(shadowOpacity * 100));
        out.put("format", format.name().toLowerCase(Locale.ROOT));
        out.put("quality", Integer.toString(quality));
        StringBuilder json = new StringBuilder("{");
        out.forEach((k, v) -> json.append(json.length() > 1 ? "," : "").append('"').append(k).append("\":\"").append(v).append('"'));
        return json.append('}').toString();
    }

    private static Length length(String key, String value) {
        Matcher m = LENGTH.matcher(value.strip());
        if (!m.matches()) {
            throw new IllegalArgumentException("composition " + key + " must be N% or Npx: '" + value + "'");
        }
        double v = Double.parseDouble(m.group(1));
        return m.group(2).equals("%") ? new Length(v / 100, true) : new Length(v, false);
    }

    private static double percent(String key, String value) {
        Matcher m = PERCENT.matcher(value.strip());
        if (!m.matches()) {
            throw new IllegalArgumentException("composition " + key + " must be N%: '" + value + "'");
        }
        return Double.parseDouble(m.group(1)) / 100;
    }

    private static double[] position(String value) {
        String v = value.strip().toLowerCase(Locale.ROOT);
        if (v.equals("center")) {
            return new double[] {0.5, 0.5};
        }
        String[] parts = v.split("\\s+");
        if (parts.length != 2) {
            throw new IllegalArgumentException("composition position must be center or 'X% Y%': '" + value + "'");
        }
        return new double[] {percent("position", parts[0]), percent("position", parts[1])};
    }

    private static Integer background(String value) {
        String v = value.strip();
        if (v.equalsIgnoreCase("transparent")) {
            return null;
        }
        Matcher m = COLOUR.matcher(v);
        if (!m.matches()) {
            throw new IllegalArgumentException("composition background must be transparent or #RRGGBB: '" + value + "'");
        }
        return Integer.parseInt(m.group(1), 16);
    }

    private static double number(String key, String value) {
        try {
            return Double.parseDouble(value.strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("composition " + key + " must be a number: '" + value + "'");
        }
    }

    private static <E extends Enum<E>> E choice(Class<E> type, String key, String value) {
        try {
            return Enum.valueOf(type, value.strip().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("composition " + key + " must be one of "
                    + java.util.Arrays.toString(type.getEnumConstants()).toLowerCase(Locale.ROOT) + ": '" + value + "'");
        }
    }

    private static String trim(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : String.format(Locale.ROOT, "%.2f", v);
    }
}

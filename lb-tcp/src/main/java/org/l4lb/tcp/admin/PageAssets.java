package org.l4lb.tcp.admin;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The status page's files, all from the jar: the page itself at {@code GET /}, its script and
 * style, and uPlot (from its WebJar) for the graphs. Nothing is fetched from another host. Each
 * is read on its first request and kept.
 */
final class PageAssets {

    /** A file as served: its bytes and content type. */
    record Asset(byte[] body, String type) {
    }

    private static final String PAGE = "/org/l4lb/tcp/admin/page/";
    private static final Map<String, String[]> FILES = Map.of(
            "/", new String[] {PAGE + "index.html", "text/html; charset=utf-8"},
            "/page/app.js", new String[] {PAGE + "app.js", "text/javascript; charset=utf-8"},
            "/page/app.css", new String[] {PAGE + "app.css", "text/css; charset=utf-8"},
            "/page/uPlot.iife.min.js", new String[] {webjar("dist/uPlot.iife.min.js"), "text/javascript; charset=utf-8"},
            "/page/uPlot.min.css", new String[] {webjar("dist/uPlot.min.css"), "text/css; charset=utf-8"});

    private final Map<String, Asset> loaded = new ConcurrentHashMap<>();

    /** The file served at {@code path}, or null. */
    Asset get(String path) {
        String[] f = FILES.get(path);
        if (f == null) {
            return null;
        }
        return loaded.computeIfAbsent(path, p -> new Asset(read(f[0]), f[1]));
    }

    private static String webjar(String file) {
        return "/META-INF/resources/webjars/uplot/" + uplotVersion() + "/" + file;
    }

    private static String uplotVersion() {
        try (InputStream in = PageAssets.class.getResourceAsStream("/org/l4lb/tcp/version.properties")) {
            Properties p = new Properties();
            p.load(in);
            return p.getProperty("uplot");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] read(String resource) {
        try (InputStream in = PageAssets.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException(resource + " is not in the jar");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

package dev.phalanx.chaos.ansible;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Enumeration;
import java.util.function.Predicate;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

/**
 * Other builds of the node jar for the upgrade scenarios, made from the one the reactor built: the same classes with
 * another build id in the manifest ({@code Phalanx-Build}), or a broken build that passes {@code validate} but cannot
 * run (its native epoll library is missing, so a node with {@code reusePort} refuses to start).
 */
public final class Jars {
    static final String EPOLL_LIB = "META-INF/native/libnetty_transport_native_epoll_x86_64.so";

    private Jars() {
    }

    /** The build id in a jar's manifest, or {@code dev}. */
    public static String build(Path jar) {
        try (JarFile j = new JarFile(jar.toFile())) {
            Manifest m = j.getManifest();
            String b = m == null ? null : m.getMainAttributes().getValue("Phalanx-Build");
            return b == null ? "dev" : b;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + jar, e);
        }
    }

    /** A copy of {@code jar} with build id {@code build}. */
    public static Path withBuild(Path jar, String build, Path out) {
        return copy(jar, build, out, name -> true);
    }

    /** A copy with build id {@code build} and without the native epoll library: it validates, it does not run. */
    public static Path brokenBuild(Path jar, String build, Path out) {
        return copy(jar, build, out, name -> !name.equals(EPOLL_LIB));
    }

    private static Path copy(Path jar, String build, Path out, Predicate<String> keep) {
        try (JarFile in = new JarFile(jar.toFile())) {
            Manifest manifest = new Manifest(in.getManifest());
            manifest.getMainAttributes().put(new Attributes.Name("Phalanx-Build"), build);
            Files.createDirectories(out.getParent());
            try (OutputStream os = Files.newOutputStream(out); JarOutputStream jos = new JarOutputStream(os, manifest)) {
                Enumeration<JarEntry> entries = in.entries();
                while (entries.hasMoreElements()) {
                    JarEntry e = entries.nextElement();
                    if (e.getName().equals(JarFile.MANIFEST_NAME) || !keep.test(e.getName())) {
                        continue;
                    }
                    JarEntry copy = new JarEntry(e.getName());
                    copy.setTime(e.getTime());
                    jos.putNextEntry(copy);
                    try (InputStream is = in.getInputStream(e)) {
                        is.transferTo(jos);
                    }
                    jos.closeEntry();
                }
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot repackage " + jar + " as " + out, e);
        }
    }
}

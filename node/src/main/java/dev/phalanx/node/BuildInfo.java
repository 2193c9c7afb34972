package dev.phalanx.node;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.CodeSource;
import java.util.jar.Attributes;
import java.util.jar.JarFile;
import java.util.jar.Manifest;

/**
 * Which build of the node runs: the version ({@code Implementation-Version}) and the build id ({@code Phalanx-Build},
 * set by {@code -Dphalanx.build=ID} at package time, by default the version and the build's UTC time), both read from
 * the manifest of the jar this class was loaded from. Shown by the {@code version} command and in {@code /cluster},
 * so a rolling update can tell that the new build runs (docs/upgrade.md).
 */
public record BuildInfo(String version, String build) {
    /** The attribute of the jar's manifest that carries the build id. */
    public static final String BUILD_ATTRIBUTE = "Phalanx-Build";
    private static final BuildInfo CURRENT = load();

    /** This process's build; {@code dev} for both when the classes do not come from a jar (tests, an IDE). */
    public static BuildInfo current() {
        return CURRENT;
    }

    /** Reads the two attributes of a manifest; a missing one is {@code dev}. */
    public static BuildInfo of(Manifest manifest) {
        Attributes main = manifest == null ? new Attributes() : manifest.getMainAttributes();
        return new BuildInfo(valueOr(main.getValue(Attributes.Name.IMPLEMENTATION_VERSION)),
                valueOr(main.getValue(BUILD_ATTRIBUTE)));
    }

    private static BuildInfo load() {
        try {
            CodeSource source = BuildInfo.class.getProtectionDomain().getCodeSource();
            if (source == null || source.getLocation() == null) {
                return of(null);
            }
            Path location = Path.of(source.getLocation().toURI());
            if (!Files.isRegularFile(location)) {
                return of(null);
            }
            try (JarFile jar = new JarFile(location.toFile())) {
                return of(jar.getManifest());
            }
        } catch (IOException | URISyntaxException | RuntimeException e) {
            return of(null);
        }
    }

    private static String valueOr(String v) {
        return v == null || v.isBlank() ? "dev" : v.strip();
    }
}

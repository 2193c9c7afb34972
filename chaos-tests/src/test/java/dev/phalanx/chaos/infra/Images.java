package dev.phalanx.chaos.infra;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import java.util.logging.Logger;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * Builds the two images locally (no registry is reachable): the base by debootstrap + import, the node image FROM
 * it with the shaded jar, the keepalived scripts and the container entry point. Both are tagged with a hash of what
 * went into them, so a second run finds them and builds nothing.
 */
public final class Images {
    private static final Logger LOG = Logger.getLogger(Images.class.getName());
    static final String SUITE = "bookworm";
    static final List<String> PACKAGES = List.of("openjdk-17-jre-headless", "keepalived", "etcd-server", "etcd-client",
            "iproute2", "iptables", "procps", "curl", "python3");
    static final String BASE_REPO = "phalanx-chaos-base";
    static final String NODE_REPO = "phalanx-chaos-node";
    /** Files of src/test/resources/image that go into the node image. */
    static final List<String> IMAGE_FILES = List.of("entrypoint.sh", "backend.py", "netfix.sh");
    static final List<String> KEEPALIVED_SCRIPTS = List.of("phalanx-check.sh", "phalanx-notify.sh");

    private Images() {
    }

    /** The base image, built when no image of this recipe exists. */
    public static String base(Docker docker, Path workDir) {
        String recipe = "debootstrap --variant=minbase --include=" + String.join(",", PACKAGES) + " " + SUITE
                + " (apt lists removed) v1";
        String tag = sha256(recipe.getBytes(StandardCharsets.UTF_8)).substring(0, 12);
        String ref = BASE_REPO + ":" + tag;
        if (docker.imageExists(ref)) {
            return ref;
        }
        long t0 = System.nanoTime();
        Path rootfs = workDir.resolve("rootfs-" + tag);
        Path log = workDir.resolve("debootstrap.log");
        Commands.run(log, 60, "rm", "-rf", rootfs.toString());
        String mirror = AptMirror.forSuite(SUITE);
        LOG.info("building " + ref + " with debootstrap (about 2 minutes; log " + log + ")");
        Commands.run(log, 1800, "debootstrap", "--variant=minbase", "--include=" + String.join(",", PACKAGES), SUITE,
                rootfs.toString(), mirror);
        Commands.run(log, 120, "chroot", rootfs.toString(), "apt-get", "clean");
        Commands.run(log, 60, "sh", "-c", "rm -rf '" + rootfs + "'/var/lib/apt/lists/*");
        try {
            // docker import through the CLI (part of docker.io): docker-java's import does not stream a tar this size
            Commands.run(log, 600, "sh", "-c", "tar -C '" + rootfs + "' -c . | docker import - " + ref);
        } finally {
            Commands.run(log, 300, "rm", "-rf", rootfs.toString());
        }
        LOG.info("built " + ref + " in " + (System.nanoTime() - t0) / 1_000_000_000 + " s");
        return ref;
    }

    /** The node image for this jar and these scripts, built when missing; older node images are removed. */
    public static String node(Docker docker, String base, Path projectDir) {
        Path jar = projectDir.resolve("node/target/phalanx-node.jar");
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " is missing: build it first (mvn -B -pl chaos-tests -am package"
                    + " -DskipTests)");
        }
        Path scripts = projectDir.resolve("keepalived/scripts");
        String dockerfile = dockerfile(base);
        MessageDigest md = digest();
        md.update(dockerfile.getBytes(StandardCharsets.UTF_8));
        jarContent(jar, md);
        for (String f : KEEPALIVED_SCRIPTS) {
            md.update(read(scripts.resolve(f)));
        }
        for (String f : IMAGE_FILES) {
            md.update(resource(f));
        }
        String tag = HexFormat.of().formatHex(md.digest()).substring(0, 12);
        String ref = NODE_REPO + ":" + tag;
        if (docker.imageExists(ref)) {
            return ref;
        }
        long t0 = System.nanoTime();
        // docker build through the CLI, like the base image's import: docker-java's build stream was cut off
        // ("Premature end of chunk coded message body") on a busy machine. The legacy builder: no BuildKit needed.
        Path context = projectDir.resolve("chaos-tests/target/node-image-" + tag);
        try {
            Files.createDirectories(context);
            Files.writeString(context.resolve("Dockerfile"), dockerfile);
            Files.copy(jar, context.resolve("phalanx-node.jar"), StandardCopyOption.REPLACE_EXISTING);
            for (String f : KEEPALIVED_SCRIPTS) {
                Files.copy(scripts.resolve(f), context.resolve(f), StandardCopyOption.REPLACE_EXISTING);
            }
            for (String f : IMAGE_FILES) {
                Files.write(context.resolve(f), resource(f));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare the node image's build context " + context, e);
        }
        Path log = projectDir.resolve("chaos-tests/target/node-image.log");
        Commands.run(log, 600, "sh", "-c", "DOCKER_BUILDKIT=0 docker build -t " + ref + " '" + context + "'");
        Commands.run(log, 60, "rm", "-rf", context.toString());
        LOG.info("built " + ref + " in " + (System.nanoTime() - t0) / 1_000_000 + " ms");
        for (String old : docker.imageTags(NODE_REPO)) {
            if (!old.equals(ref)) {
                docker.removeImage(old);
            }
        }
        return ref;
    }

    static String dockerfile(String base) {
        return "FROM " + base + "\n"
                + "RUN useradd --system --no-create-home --shell /usr/sbin/nologin keepalived_script \\\n"
                + " && mkdir -p /opt/phalanx /etc/keepalived/phalanx /var/log/keepalived /var/log/phalanx"
                + " /var/lib/phalanx /etc/phalanx/tls \\\n"
                + " && chown keepalived_script /var/log/keepalived\n"
                + "COPY phalanx-check.sh phalanx-notify.sh /etc/keepalived/phalanx/\n"
                + "COPY entrypoint.sh backend.py netfix.sh /opt/phalanx/\n"
                + "COPY phalanx-node.jar /opt/phalanx/\n"
                + "RUN chown -R root:root /etc/keepalived /opt/phalanx && chmod 755 /etc/keepalived/phalanx"
                + " /etc/keepalived/phalanx/*.sh /opt/phalanx/*.sh && chmod 644 /opt/phalanx/phalanx-node.jar\n"
                + "ENV TZ=UTC\n"
                + "LABEL org.opencontainers.image.title=phalanx-chaos-node\n"
                + "ENTRYPOINT [\"/opt/phalanx/entrypoint.sh\"]\n";
    }

    /**
     * The jar's entries (name, CRC, size), not its bytes: a rebuild with the same content keeps the image. The
     * manifest counts without its build id (Phalanx-Build changes with every build).
     */
    static void jarContent(Path jar, MessageDigest md) {
        try (ZipFile zip = new ZipFile(jar.toFile())) {
            for (ZipEntry e : zip.stream().sorted(java.util.Comparator.comparing(ZipEntry::getName)).toList()) {
                if (e.getName().equals(JarFile.MANIFEST_NAME)) {
                    Manifest m = new Manifest(zip.getInputStream(e));
                    m.getMainAttributes().remove(new Attributes.Name("Phalanx-Build"));
                    m.getMainAttributes().entrySet().stream().map(a -> a.getKey() + "=" + a.getValue()).sorted()
                            .forEach(a -> md.update((e.getName() + ":" + a + "\n").getBytes(StandardCharsets.UTF_8)));
                    continue;
                }
                md.update((e.getName() + ":" + e.getCrc() + ":" + e.getSize() + "\n").getBytes(StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + jar, e);
        }
    }

    static byte[] resource(String name) {
        try (InputStream in = Images.class.getResourceAsStream("/image/" + name)) {
            if (in == null) {
                throw new IllegalStateException("test resource image/" + name + " is missing from the classpath");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] read(Path p) {
        try {
            return Files.readAllBytes(p);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + p, e);
        }
    }

    private static MessageDigest digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static String sha256(byte[] b) {
        return HexFormat.of().formatHex(digest().digest(b));
    }
}

package dev.phalanx.chaos.ansible;

import dev.phalanx.chaos.infra.AptMirror;
import dev.phalanx.chaos.infra.Commands;
import dev.phalanx.chaos.infra.Docker;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.logging.Logger;

/**
 * The image of the Ansible target hosts: Debian 12 by {@code debootstrap --variant=minbase} with systemd (it runs as
 * PID 1), python3 and sudo for Ansible, and the packages the roles would install already there (Java, keepalived,
 * nftables, etcd, curl), so the roles skip apt and no mirror is needed while the playbooks run. etcd is disabled:
 * the etcd role configures the member before it starts it, as on a host where the role installs the package. Tagged
 * with a hash of its recipe; built once per machine.
 */
public final class HostImage {
    private static final Logger LOG = Logger.getLogger(HostImage.class.getName());
    static final String SUITE = "bookworm";
    static final List<String> PACKAGES = List.of("systemd", "systemd-sysv", "dbus", "python3", "sudo",
            "openjdk-17-jre-headless", "keepalived", "nftables", "etcd-server", "etcd-client", "curl", "iproute2",
            "procps");
    static final String REPO = "phalanx-ansible-host";

    private HostImage() {
    }

    /** The image, built when none of this recipe exists. */
    public static String ensure(Docker docker, Path workDir) {
        byte[] backend = resource("backend.py");
        MessageDigest md = digest();
        md.update(("debootstrap --variant=minbase --include=" + String.join(",", PACKAGES) + " " + SUITE
                + " (etcd disabled, machine-id emptied, apt lists removed, backend.py) v1").getBytes(StandardCharsets.UTF_8));
        md.update(backend);
        String tag = HexFormat.of().formatHex(md.digest()).substring(0, 12);
        String ref = REPO + ":" + tag;
        if (docker.imageExists(ref)) {
            return ref;
        }
        long t0 = System.nanoTime();
        Path rootfs = workDir.resolve("host-rootfs-" + tag);
        Path log = workDir.resolve("host-image.log");
        Commands.run(log, 60, "rm", "-rf", rootfs.toString());
        String mirror = AptMirror.forSuite(SUITE);
        LOG.info("building " + ref + " with debootstrap (a few minutes; log " + log + ")");
        try {
            Commands.run(log, 1800, "debootstrap", "--variant=minbase", "--include=" + String.join(",", PACKAGES),
                    SUITE, rootfs.toString(), mirror);
            Commands.run(log, 60, "chroot", rootfs.toString(), "systemctl", "disable", "etcd.service");
            Commands.run(log, 120, "chroot", rootfs.toString(), "apt-get", "clean");
            Commands.run(log, 60, "sh", "-c", "rm -rf '" + rootfs + "'/var/lib/apt/lists/* '" + rootfs
                    + "'/var/lib/etcd/default && : > '" + rootfs + "'/etc/machine-id");
            Files.createDirectories(rootfs.resolve("opt/phalanx-test"));
            Files.write(rootfs.resolve("opt/phalanx-test/backend.py"), backend);
            Commands.run(log, 600, "sh", "-c", "tar -C '" + rootfs + "' -c . | docker import - " + ref);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare " + rootfs, e);
        } finally {
            Commands.run(log, 300, "rm", "-rf", rootfs.toString());
        }
        LOG.info("built " + ref + " in " + (System.nanoTime() - t0) / 1_000_000_000 + " s");
        for (String old : docker.imageTags(REPO)) {
            if (!old.equals(ref)) {
                docker.removeImage(old);
            }
        }
        return ref;
    }

    private static byte[] resource(String name) {
        try (InputStream in = HostImage.class.getResourceAsStream("/image/" + name)) {
            if (in == null) {
                throw new IllegalStateException("test resource image/" + name + " is missing from the classpath");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static MessageDigest digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}

package dev.phalanx.chaos.infra;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * Makes sure a Docker engine answers: when none does at {@code /var/run/docker.sock} (and no DOCKER_HOST is set),
 * starts {@code dockerd} and remembers its pid, and stops only that process again on {@link #close()}.
 */
public final class DockerEngine implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(DockerEngine.class.getName());
    static final Path SOCKET = Path.of("/var/run/docker.sock");

    private final ProcessHandle started;

    private DockerEngine(ProcessHandle started) {
        this.started = started;
    }

    /** An engine that answers; {@code logFile} receives dockerd's output when it had to be started. */
    public static DockerEngine ensure(Path logFile) {
        String dockerHost = System.getenv("DOCKER_HOST");
        if (dockerHost != null && !dockerHost.isBlank()) {
            return new DockerEngine(null);
        }
        if (answers()) {
            return new DockerEngine(null);
        }
        if (!onPath("dockerd")) {
            throw new IllegalStateException("no Docker engine answers at " + SOCKET
                    + " and dockerd is not installed (apt-get install docker.io)");
        }
        try {
            Files.createDirectories(logFile.getParent());
            Process p = new ProcessBuilder("dockerd").redirectErrorStream(true)
                    .redirectOutput(logFile.toFile()).start();
            long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
            while (System.nanoTime() < deadline) {
                if (!p.isAlive()) {
                    throw new IllegalStateException("dockerd exited with " + p.exitValue() + " at start; see " + logFile
                            + ":\n" + tail(logFile));
                }
                if (answers()) {
                    LOG.info("started dockerd, pid " + p.pid() + " (log " + logFile + ")");
                    return new DockerEngine(p.toHandle());
                }
                Thread.sleep(200);
            }
            p.destroy();
            throw new IllegalStateException("dockerd did not answer within 90 s; see " + logFile + ":\n" + tail(logFile));
        } catch (IOException e) {
            throw new IllegalStateException("cannot start dockerd: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while starting dockerd", e);
        }
    }

    public Optional<Long> startedPid() {
        return Optional.ofNullable(started).map(ProcessHandle::pid);
    }

    /** True when an engine answers {@code GET /_ping} on the default socket. */
    public static boolean answers() {
        if (!Files.exists(SOCKET)) {
            return false;
        }
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(SOCKET));
            ch.write(ByteBuffer.wrap("GET /_ping HTTP/1.0\r\nHost: docker\r\n\r\n".getBytes(StandardCharsets.US_ASCII)));
            ByteBuffer buf = ByteBuffer.allocate(512);
            ch.read(buf);
            return new String(buf.array(), 0, buf.position(), StandardCharsets.US_ASCII).startsWith("HTTP/1.0 200")
                    || new String(buf.array(), 0, buf.position(), StandardCharsets.US_ASCII).startsWith("HTTP/1.1 200");
        } catch (IOException e) {
            return false;
        }
    }

    /** Stops dockerd when this object started it (SIGTERM, then SIGKILL after 30 s); otherwise does nothing. */
    @Override
    public void close() {
        if (started != null) {
            stop(started);
        }
    }

    /** Stops a dockerd started earlier (by pid, e.g. from cluster.sh's state file); a gone process is fine. */
    public static void stop(ProcessHandle h) {
        if (!h.isAlive()) {
            return;
        }
        LOG.info("stopping dockerd, pid " + h.pid());
        h.destroy();
        try {
            h.onExit().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            h.destroyForcibly();
        }
    }

    private static boolean onPath(String cmd) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/sbin:/usr/bin:/sbin:/bin").split(":")) {
            if (Files.isExecutable(Path.of(dir, cmd))) {
                return true;
            }
        }
        return List.of("/usr/sbin", "/usr/bin").stream().anyMatch(d -> Files.isExecutable(Path.of(d, cmd)));
    }

    private static String tail(Path f) {
        try {
            List<String> lines = Files.readAllLines(f);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
        } catch (IOException e) {
            return "(no log)";
        }
    }
}

package dev.phalanx.chaos.infra;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.command.ExecCreateCmdResponse;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.api.model.ContainerNetwork;
import com.github.dockerjava.api.model.Frame;
import com.github.dockerjava.api.model.Image;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.testcontainers.DockerClientFactory;

/** The container operations the fixture and the scenarios need (faults, exec, inspect), by container name. */
public final class Docker {
    private final DockerClient client;

    private Docker(DockerClient client) {
        this.client = client;
    }

    /** Connects through Testcontainers' client (call {@link DockerEngine#ensure} first). */
    public static Docker connect() {
        return new Docker(DockerClientFactory.instance().client());
    }

    public DockerClient client() {
        return client;
    }

    public record State(boolean exists, boolean running, boolean paused, Instant startedAt, Instant finishedAt) {
    }

    public record ExecResult(int exitCode, String stdout, String stderr) {
        public String describe() {
            return "exit " + exitCode + (stdout.isBlank() ? "" : ", stdout: " + stdout.strip())
                    + (stderr.isBlank() ? "" : ", stderr: " + stderr.strip());
        }
    }

    public State state(String name) {
        try {
            InspectContainerResponse r = client.inspectContainerCmd(name).exec();
            InspectContainerResponse.ContainerState s = r.getState();
            return new State(true, Boolean.TRUE.equals(s.getRunning()), Boolean.TRUE.equals(s.getPaused()),
                    instant(s.getStartedAt()), instant(s.getFinishedAt()));
        } catch (NotFoundException e) {
            return new State(false, false, false, null, null);
        }
    }

    public void kill(String name, String signal) {
        client.killContainerCmd(name).withSignal(signal).exec();
    }

    public void pause(String name) {
        client.pauseContainerCmd(name).exec();
    }

    public void unpause(String name) {
        client.unpauseContainerCmd(name).exec();
    }

    public void start(String name) {
        client.startContainerCmd(name).exec();
    }

    public void stop(String name, int timeoutSeconds) {
        client.stopContainerCmd(name).withTimeout(timeoutSeconds).exec();
    }

    public void remove(String name) {
        try {
            client.removeContainerCmd(name).withForce(true).withRemoveVolumes(true).exec();
        } catch (NotFoundException e) {
            // already gone
        }
    }

    public void disconnect(String network, String name) {
        client.disconnectFromNetworkCmd().withNetworkId(network).withContainerId(name).withForce(true).exec();
    }

    public void connect(String network, String name, String ip) {
        client.connectToNetworkCmd().withNetworkId(network).withContainerId(name)
                .withContainerNetwork(new ContainerNetwork().withIpamConfig(new ContainerNetwork.Ipam().withIpv4Address(ip)))
                .exec();
    }

    public boolean attached(String network, String name) {
        InspectContainerResponse r = client.inspectContainerCmd(name).exec();
        return r.getNetworkSettings() != null && r.getNetworkSettings().getNetworks() != null
                && r.getNetworkSettings().getNetworks().containsKey(network);
    }

    /** Runs a command in a running container and waits for it (at most {@code timeoutSeconds}). */
    public ExecResult exec(String name, int timeoutSeconds, String... cmd) {
        ExecCreateCmdResponse ex = client.execCreateCmd(name).withCmd(cmd).withAttachStdout(true).withAttachStderr(true)
                .exec();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try (ResultCallback.Adapter<Frame> cb = client.execStartCmd(ex.getId()).exec(new ResultCallback.Adapter<>() {
            @Override
            public void onNext(Frame f) {
                (f.getStreamType() == com.github.dockerjava.api.model.StreamType.STDERR ? err : out)
                        .writeBytes(f.getPayload());
            }
        })) {
            if (!cb.awaitCompletion(timeoutSeconds, TimeUnit.SECONDS)) {
                throw new IllegalStateException("exec " + String.join(" ", cmd) + " in " + name + " took more than "
                        + timeoutSeconds + " s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
        Long code = client.inspectExecCmd(ex.getId()).exec().getExitCodeLong();
        return new ExecResult(code == null ? -1 : code.intValue(), out.toString(StandardCharsets.UTF_8),
                err.toString(StandardCharsets.UTF_8));
    }

    /** Like {@link #exec} but fails with the command's output when it exits non-zero. */
    public String execOk(String name, int timeoutSeconds, String... cmd) {
        ExecResult r = exec(name, timeoutSeconds, cmd);
        if (r.exitCode() != 0) {
            throw new IllegalStateException(name + ": " + String.join(" ", cmd) + " failed: " + r.describe());
        }
        return r.stdout();
    }

    /** The container's stdout and stderr so far. */
    public String logs(String name) {
        StringBuilder sb = new StringBuilder();
        try (ResultCallback.Adapter<Frame> cb = client.logContainerCmd(name).withStdOut(true).withStdErr(true)
                .exec(new ResultCallback.Adapter<>() {
                    @Override
                    public void onNext(Frame f) {
                        sb.append(new String(f.getPayload(), StandardCharsets.UTF_8));
                    }
                })) {
            cb.awaitCompletion(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            sb.append("(logs unavailable: ").append(e.getMessage()).append(')');
        }
        return sb.toString();
    }

    public boolean imageExists(String ref) {
        try {
            client.inspectImageCmd(ref).exec();
            return true;
        } catch (NotFoundException e) {
            return false;
        }
    }

    /** Images of a repository (all tags), e.g. to drop old builds. */
    public List<String> imageTags(String repository) {
        return client.listImagesCmd().withImageNameFilter(repository).exec().stream()
                .map(Image::getRepoTags).filter(t -> t != null).flatMap(java.util.Arrays::stream)
                .filter(t -> t.startsWith(repository + ":")).toList();
    }

    public void removeImage(String ref) {
        try {
            client.removeImageCmd(ref).withForce(false).exec();
        } catch (RuntimeException e) {
            // in use by a container, or gone: keep it
        }
    }

    /** Names (without the leading /) of every container, running or not, that carries the label. */
    public List<String> containersWithLabel(String label) {
        return client.listContainersCmd().withShowAll(true).withLabelFilter(List.of(label)).exec().stream()
                .map(Container::getNames).filter(n -> n != null && n.length > 0).map(n -> n[0].replaceFirst("^/", ""))
                .toList();
    }

    public void removeNetwork(String name) {
        try {
            client.removeNetworkCmd(name).exec();
        } catch (NotFoundException e) {
            // already gone
        }
    }

    public boolean networkExists(String name) {
        return client.listNetworksCmd().withNameFilter(name).exec().stream().anyMatch(n -> name.equals(n.getName()));
    }

    private static Instant instant(String s) {
        if (s == null || s.isBlank() || s.startsWith("0001-")) {
            return null;
        }
        return Instant.parse(s);
    }
}

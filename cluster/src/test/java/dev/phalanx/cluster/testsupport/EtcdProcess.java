package dev.phalanx.cluster.testsupport;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.HttpURLConnection;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A real etcd (Debian's etcd-server, {@code /usr/bin/etcd}) on 127.0.0.1 with free ports and a temporary data
 * folder, for tests. {@link #single} starts one member, {@link #cluster} several; {@link #stop}, {@link #kill},
 * {@link #restart}, {@link #wipe} are the faults; {@link #etcdctl} runs the real client against it. Only processes
 * started here are stopped, by their own handle. The output of each member goes to {@code <dir>/<name>.log}.
 */
public final class EtcdProcess implements AutoCloseable {
    public static final String ETCD = "/usr/bin/etcd";
    public static final String ETCDCTL = "/usr/bin/etcdctl";

    private final Path dir;
    private final List<Member> members = new ArrayList<>();
    private final List<String> extraArgs;
    private final TestCerts certs;

    /** One member of the cluster. */
    public final class Member {
        final String name;
        final int clientPort;
        final int peerPort;
        Process process;

        Member(String name, int clientPort, int peerPort) {
            this.name = name;
            this.clientPort = clientPort;
            this.peerPort = peerPort;
        }

        public String endpoint() {
            return (certs == null ? "http" : "https") + "://127.0.0.1:" + clientPort;
        }

        public String name() {
            return name;
        }

        public boolean running() {
            return process != null && process.isAlive();
        }

        Path dataDir() {
            return dir.resolve(name + ".etcd");
        }

        void start(String initialCluster, String state) {
            List<String> cmd = new ArrayList<>(List.of(ETCD, "--name", name, "--data-dir", dataDir().toString(),
                    "--listen-client-urls", endpoint(), "--advertise-client-urls", endpoint(),
                    "--listen-peer-urls", "http://127.0.0.1:" + peerPort,
                    "--initial-advertise-peer-urls", "http://127.0.0.1:" + peerPort,
                    "--initial-cluster", initialCluster, "--initial-cluster-state", state,
                    "--initial-cluster-token", "phalanx-test-" + dir.getFileName(),
                    "--log-level", "warn", "--logger", "zap",
                    "--heartbeat-interval", "50", "--election-timeout", "500"));
            cmd.addAll(extraArgs);
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve(name + ".log").toFile()));
            pb.environment().remove("ETCDCTL_API");
            try {
                process = pb.start();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot start " + ETCD + " (install etcd-server)", e);
            }
        }
    }

    private EtcdProcess(Path dir, int size, List<String> extraArgs, TestCerts certs) {
        this.certs = certs;
        if (!Files.isExecutable(Path.of(ETCD))) {
            throw new IllegalStateException(ETCD + " is missing: apt-get install etcd-server etcd-client");
        }
        this.dir = dir;
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        this.extraArgs = List.copyOf(extraArgs);
        for (int i = 0; i < size; i++) {
            members.add(new Member("m" + i, freePort(), freePort()));
        }
    }

    /** One member, started and healthy. */
    public static EtcdProcess single(Path dir, String... extraArgs) {
        return cluster(dir, 1, extraArgs);
    }

    /** {@code size} members, started and healthy. */
    public static EtcdProcess cluster(Path dir, int size, String... extraArgs) {
        EtcdProcess e = new EtcdProcess(dir, size, List.of(extraArgs), null);
        e.startAll("new");
        return e;
    }

    /** One member serving clients over TLS with {@code certs}, and requiring a client certificate. */
    public static EtcdProcess tls(Path dir, TestCerts certs) {
        EtcdProcess e = new EtcdProcess(dir, 1, List.of("--cert-file", certs.serverCert().toString(),
                "--key-file", certs.serverKey().toString(), "--trusted-ca-file", certs.ca().toString(),
                "--client-cert-auth"), certs);
        e.startAll("new");
        return e;
    }

    private String initialCluster() {
        return members.stream().map(m -> m.name + "=http://127.0.0.1:" + m.peerPort).collect(Collectors.joining(","));
    }

    private void startAll(String state) {
        members.forEach(m -> m.start(initialCluster(), state));
        members.forEach(m -> awaitHealthy(m, Duration.ofSeconds(30)));
    }

    public List<Member> members() {
        return members;
    }

    /** Every member's client URL. */
    public List<String> endpoints() {
        return members.stream().map(Member::endpoint).toList();
    }

    public String endpoint() {
        return members.get(0).endpoint();
    }

    /** Stops every member (SIGTERM, then SIGKILL after 10 s). Data stays. */
    public void stop() {
        members.forEach(this::stop);
    }

    public void stop(Member m) {
        if (m.process == null) {
            return;
        }
        m.process.destroy();
        try {
            if (!m.process.waitFor(10, TimeUnit.SECONDS)) {
                m.process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** SIGKILL, like a crash. */
    public void kill(Member m) {
        if (m.process != null) {
            m.process.destroyForcibly();
            try {
                m.process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Starts stopped members again on the same ports and data. */
    public void restart() {
        for (Member m : members) {
            if (!m.running()) {
                m.start(initialCluster(), "existing");
            }
        }
        members.forEach(m -> awaitHealthy(m, Duration.ofSeconds(30)));
    }

    public void restart(Member m) {
        m.start(initialCluster(), "existing");
        awaitHealthy(m, Duration.ofSeconds(30));
    }

    /** Stops every member, deletes all data, starts an empty cluster on the same ports (revisions start at 1). */
    public void wipe() {
        stop();
        members.forEach(m -> deleteTree(m.dataDir()));
        startAll("new");
    }

    /** The member that is the Raft leader now. */
    public Member leader() {
        for (Member m : members) {
            if (!m.running()) {
                continue;
            }
            String out = etcdctl(List.of(m.endpoint()), "endpoint", "status", "-w", "json");
            if (out.contains("\"leader\":") && leaderIsSelf(out)) {
                return m;
            }
        }
        throw new IllegalStateException("no leader among " + endpoints());
    }

    private static boolean leaderIsSelf(String json) {
        // [{"Endpoint":..,"Status":{"header":{..,"member_id":X,..},..,"leader":X,..}}]
        String member = number(json, "\"member_id\":");
        String leader = number(json, "\"leader\":");
        return member != null && member.equals(leader);
    }

    private static String number(String json, String field) {
        int i = json.indexOf(field);
        if (i < 0) {
            return null;
        }
        int s = i + field.length();
        int e = s;
        while (e < json.length() && Character.isDigit(json.charAt(e))) {
            e++;
        }
        return json.substring(s, e);
    }

    /** Runs {@code etcdctl} (API v3) against every running member; returns its output, throws on failure. */
    public String etcdctl(String... args) {
        return etcdctl(members.stream().filter(Member::running).map(Member::endpoint).toList(), args);
    }

    public String etcdctl(List<String> endpoints, String... args) {
        List<String> cmd = new ArrayList<>(List.of(ETCDCTL, "--endpoints", String.join(",", endpoints),
                "--command-timeout", "10s"));
        if (certs != null) {
            cmd.addAll(List.of("--cacert", certs.ca().toString(), "--cert", certs.clientCert().toString(),
                    "--key", certs.clientKey().toString()));
        }
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("ETCDCTL_API", "3");
        try {
            Process p = pb.start();
            byte[] out;
            try (InputStream in = p.getInputStream()) {
                out = in.readAllBytes();
            }
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException("etcdctl " + List.of(args) + " hung");
            }
            String text = new String(out, StandardCharsets.UTF_8);
            if (p.exitValue() != 0) {
                throw new IllegalStateException("etcdctl " + List.of(args) + " failed: " + text);
            }
            return text;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private void awaitHealthy(Member m, Duration timeout) {
        long end = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < end) {
            if (!m.process.isAlive()) {
                throw new IllegalStateException("etcd " + m.name + " exited: " + tail(m));
            }
            if (certs != null) {
                try {
                    etcdctl(List.of(m.endpoint()), "endpoint", "health");
                    return;
                } catch (IllegalStateException notYet) {
                    sleepQuietly(100);
                    continue;
                }
            }
            try {
                HttpURLConnection c = (HttpURLConnection) URI.create(m.endpoint() + "/health").toURL()
                        .openConnection();
                c.setConnectTimeout(500);
                c.setReadTimeout(1000);
                try (InputStream in = c.getResponseCode() == 200 ? c.getInputStream() : c.getErrorStream()) {
                    if (in != null && new String(in.readAllBytes(), StandardCharsets.UTF_8).contains("true")) {
                        return;
                    }
                }
            } catch (IOException e) {
                // not up yet
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        throw new IllegalStateException("etcd " + m.name + " not healthy in " + timeout + ": " + tail(m));
    }

    private String tail(Member m) {
        try {
            List<String> lines = Files.readAllLines(dir.resolve(m.name + ".log"));
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 10), lines.size()));
        } catch (IOException e) {
            return "(no log)";
        }
    }

    private static void sleepQuietly(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    public static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void deleteTree(Path p) {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> s = Files.walk(p)) {
            s.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        stop();
    }
}

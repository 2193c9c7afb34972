package dev.phalanx.chaos.ansible;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs {@code ansible-playbook} from the repository's {@code ansible/} folder (its ansible.cfg) against the fixture's
 * inventory; output into a log file, the PLAY RECAP parsed. Bounded in time.
 */
public final class Playbook {
    private final Path ansibleDir;
    private final Path inventory;
    private final Path workDir;

    Playbook(Path ansibleDir, Path inventory, Path workDir) {
        this.ansibleDir = ansibleDir;
        this.inventory = inventory;
        this.workDir = workDir;
    }

    /** What one run did. */
    public record Run(String playbook, int exitCode, PlayRecap recap, Path log, long durationMs) {
        public boolean ok() {
            return exitCode == 0 && recap.total("failed") == 0 && recap.total("unreachable") == 0;
        }

        public String describe() {
            return playbook + ": exit " + exitCode + " in " + durationMs / 1000 + " s, recap " + recap.hosts()
                    + " (log " + log + ")";
        }

        public String output() {
            try {
                return Files.readString(log);
            } catch (IOException e) {
                return "";
            }
        }
    }

    /** Runs {@code playbook} (relative to ansible/) with extra variables; waits at most {@code timeout}. */
    public Run run(String playbook, Map<String, String> extraVars, String logName, Duration timeout) {
        List<String> cmd = new ArrayList<>(List.of("ansible-playbook", "-i", inventory.toString(), playbook));
        extraVars.forEach((k, v) -> {
            cmd.add("-e");
            cmd.add(k + "=" + v);
        });
        Path log = workDir.resolve(logName);
        Path home = workDir.resolve("ansible-home");
        long t0 = System.nanoTime();
        try {
            Files.createDirectories(home);
            ProcessBuilder pb = new ProcessBuilder(cmd).directory(ansibleDir.toFile()).redirectErrorStream(true)
                    .redirectOutput(log.toFile());
            Map<String, String> env = pb.environment();
            env.put("ANSIBLE_CONFIG", ansibleDir.resolve("ansible.cfg").toString());
            env.put("ANSIBLE_HOME", home.toString());
            env.put("ANSIBLE_LOCAL_TEMP", home.resolve("tmp").toString());
            env.put("ANSIBLE_NOCOLOR", "1");
            env.put("ANSIBLE_PIPELINING", "True");
            env.put("ANSIBLE_FORKS", "3");
            Process p = pb.start();
            if (!p.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
                p.destroy();
                if (!p.waitFor(20, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                }
                throw new IllegalStateException(playbook + " took more than " + timeout.toSeconds() + " s; see " + log);
            }
            long ms = (System.nanoTime() - t0) / 1_000_000;
            return new Run(playbook, p.exitValue(), PlayRecap.parse(Files.readString(log)), log, ms);
        } catch (IOException e) {
            throw new IllegalStateException("cannot run ansible-playbook (apt-get install ansible): " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while " + playbook + " ran", e);
        }
    }
}

package dev.phalanx.cluster.state;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/** Grid members as child JVMs on 127.0.0.1: their command line, their stdout lines, and signals to them. */
final class MemberProcesses {
    private MemberProcesses() {
    }

    /** The ports as the comma-separated member list the member mains take. */
    static String portList(int[] ports) {
        StringBuilder all = new StringBuilder();
        for (int p : ports) {
            all.append(all.length() == 0 ? "" : ",").append(p);
        }
        return all.toString();
    }

    /** Starts {@code main} in a small JVM on this test's class path; its stderr goes to {@code stderr}. */
    static Process start(Class<?> main, Path stderr, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-Xmx160m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-cp", System.getProperty("java.class.path"), main.getName()));
        command.addAll(List.of(args));
        return new ProcessBuilder(command).redirectError(stderr.toFile()).start();
    }

    /** Hands every stdout line of {@code process} to {@code onLine}, on a daemon thread, until the process ends. */
    static void readLines(String name, Process process, Consumer<String> onLine) {
        Thread reader = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(),
                    StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    onLine.accept(line);
                }
            } catch (IOException ignored) {
                // the process ended
            }
        }, "reader-" + name);
        reader.setDaemon(true);
        reader.start();
    }

    /** Sends {@code signal} (STOP, CONT...) to a live process with the shell's kill builtin (no procps needed). */
    static void signal(Process process, String signal) {
        if (!process.isAlive()) {
            return;
        }
        try {
            new ProcessBuilder("sh", "-c", "kill -" + signal + " \"$1\"", "sh", Long.toString(process.pid()))
                    .inheritIO().start()
                    .waitFor(10, TimeUnit.SECONDS);
        } catch (IOException e) {
            throw new AssertionError("kill -" + signal + " failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

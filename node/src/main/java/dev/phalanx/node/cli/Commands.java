package dev.phalanx.node.cli;

import dev.phalanx.cluster.config.ConfigValidator;
import dev.phalanx.cluster.model.ConfigError;
import dev.phalanx.cluster.model.ConfigException;
import dev.phalanx.cluster.model.NodeConfig;
import dev.phalanx.cluster.model.NodeConfigLoader;
import dev.phalanx.node.BuildInfo;
import dev.phalanx.node.Node;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import sun.misc.Signal;

/**
 * The commands of the jar (docs/contract.md#build-and-run), each returning its exit code: 0 after a drain
 * or a clean check, 1 when validation found problems, 2 for a bad config, a start-up failure or a usage error.
 */
public final class Commands {
    private Commands() {
    }

    /** Runs {@code command} with the whole argument list; returns the exit code, or -1 when it printed only text. */
    public static int dispatch(String command, String[] args) {
        return switch (command) {
            case "run" -> run(Options.configFile(args), Options.value(args, "--ready-file"));
            case "validate" -> validate(Options.configFile(args), System.out);
            case "demo" -> DemoCluster.run(args);
            case "routes", "pools", "status" -> new EtcdCli(System.out, System.err).run(args);
            case "purge" -> new PurgeCli(System.out, System.err).run(args);
            case "version", "--version" -> {
                System.out.println("phalanx " + Node.VERSION + " (build " + BuildInfo.current().build() + ")");
                yield -1;
            }
            case "help", "--help", "-h" -> {
                System.out.println(usage());
                yield -1;
            }
            default -> {
                System.err.println("unknown command \"" + command + "\"\n" + usage());
                yield 2;
            }
        };
    }

    /**
     * Starts a node and blocks until it stopped; SIGTERM and SIGINT drain it, SIGUSR2 hands over to a new process
     * (docs/upgrade.md), SIGHUP reopens the access log. {@code readyFile} (or null): written with the process id once
     * the node is ready as {@code /readyz} means it, removed when it stops; how an upgrade tells that the new process
     * is ready while both answer on the admin port.
     */
    static int run(String configFile, String readyFile) {
        if (configFile == null) {
            System.err.println("no config: give --config FILE.yaml or set PHALANX_CONFIG\n" + usage());
            return 2;
        }
        NodeConfig config;
        try {
            config = NodeConfigLoader.load(Path.of(configFile));
        } catch (ConfigException e) {
            System.err.println("phalanx: bad config " + configFile + ":\n" + e.getMessage());
            return 2;
        }
        Node node;
        try {
            node = new Node(config);
        } catch (RuntimeException e) {
            System.err.println("phalanx: cannot start: " + e.getMessage());
            return 2;
        }
        try {
            node.start();
        } catch (RuntimeException e) {
            System.err.println("phalanx: cannot start: " + e.getMessage());
            node.close();
            return 2;
        }
        Signal.handle(new Signal("TERM"), s -> node.startDrain());
        Signal.handle(new Signal("INT"), s -> node.startDrain());
        Signal.handle(new Signal("USR2"), s -> node.startHandover());
        ReadyFile ready = readyFile == null ? null : new ReadyFile(Path.of(readyFile));
        if (ready != null) {
            ready.writeWhenReady(node); // when it never comes, an upgrade waiting for it hands back (SIGUSR2)
        }
        try {
            Signal.handle(new Signal("HUP"), s -> node.reopenLogs());
        } catch (IllegalArgumentException ignored) {
            // no SIGHUP on this platform
        }
        try {
            while (!node.awaitStopped(1, TimeUnit.HOURS)) {
                // keep serving
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (ready != null) {
            ready.remove();
        }
        return 0;
    }

    /** Checks a node config (and, in file mode, its routes file): one {@code path: message} line per problem. */
    static int validate(String configFile, PrintStream out) {
        if (configFile == null) {
            System.err.println("validate: give --config FILE.yaml");
            return 2;
        }
        if (!Files.isRegularFile(Path.of(configFile))) {
            out.println(configFile + ": no such file");
            return 1;
        }
        List<ConfigError> errors = ConfigValidator.validate(Path.of(configFile));
        errors.forEach(out::println);
        if (errors.isEmpty()) {
            out.println(configFile + ": ok");
        }
        return errors.isEmpty() ? 0 : 1;
    }

    private static String usage() {
        return """
                usage: java -jar phalanx-node.jar [run] --config FILE.yaml [--ready-file FILE]
                       java -jar phalanx-node.jar validate --config FILE.yaml
                       java -jar phalanx-node.jar demo [--base-port 18080]
                """ + EtcdCli.USAGE_TEXT + "\n" + PurgeCli.USAGE_TEXT + "\n";
    }
}

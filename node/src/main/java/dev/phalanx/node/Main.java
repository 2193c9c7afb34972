package dev.phalanx.node;

import dev.phalanx.cluster.config.ConfigValidator;
import dev.phalanx.cluster.model.ConfigError;
import dev.phalanx.cluster.model.ConfigException;
import dev.phalanx.cluster.model.NodeConfig;
import dev.phalanx.cluster.model.NodeConfigLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import sun.misc.Signal;

/**
 * The command line (docs/contract.md#build-and-run):
 * <pre>
 *   phalanx-node.jar [run] --config FILE.yaml     run a node (or env PHALANX_CONFIG)
 *   phalanx-node.jar validate --config FILE.yaml  check a node config (and its routes file); exit 0 or 1
 *   phalanx-node.jar demo                         three nodes and two backends on loopback, Ctrl-C stops
 *   phalanx-node.jar routes|pools|status ...      read and write routes and pools in etcd ({@link EtcdCli})
 * </pre>
 * Exit codes: 0 after a drain, 1 validation found problems, 2 bad config or start-up failure.
 */
public final class Main {
    static {
        // one line per log record: time, level, logger, message (and the cause's stack trace when there is one)
        if (System.getProperty("java.util.logging.SimpleFormatter.format") == null) {
            System.setProperty("java.util.logging.SimpleFormatter.format",
                    "%1$tFT%1$tT.%1$tLZ %4$s %3$s: %5$s%6$s%n");
        }
    }

    static {
        // Netty samples 1% of buffers for leak reports by default; the tests run with paranoid detection, production
        // does not pay for it unless an operator asks (-Dio.netty.leakDetection.level=simple)
        if (System.getProperty("io.netty.leakDetection.level") == null) {
            io.netty.util.ResourceLeakDetector.setLevel(io.netty.util.ResourceLeakDetector.Level.DISABLED);
        }
    }

    private Main() {
    }

    public static void main(String[] args) {
        String command = args.length > 0 && !args[0].startsWith("-") ? args[0] : "run";
        String configArg = option(args, "--config");
        String config = configArg != null ? configArg : System.getenv("PHALANX_CONFIG");
        switch (command) {
            case "run" -> System.exit(run(config));
            case "validate" -> System.exit(validate(config));
            case "demo" -> System.exit(DemoCluster.run(args));
            case "routes", "pools", "status" -> System.exit(new EtcdCli(System.out, System.err).run(args));
            case "version", "--version" -> System.out.println("phalanx " + Node.VERSION);
            case "help", "--help", "-h" -> System.out.println(usage());
            default -> {
                System.err.println("unknown command \"" + command + "\"\n" + usage());
                System.exit(2);
            }
        }
    }

    static int run(String configFile) {
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
        return 0;
    }

    static int validate(String configFile) {
        if (configFile == null) {
            System.err.println("validate: give --config FILE.yaml");
            return 2;
        }
        if (!Files.isRegularFile(Path.of(configFile))) {
            System.out.println(configFile + ": no such file");
            return 1;
        }
        List<ConfigError> errors = ConfigValidator.validate(Path.of(configFile));
        errors.forEach(System.out::println);
        if (errors.isEmpty()) {
            System.out.println(configFile + ": ok");
        }
        return errors.isEmpty() ? 0 : 1;
    }

    static String option(String[] args, String name) {
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals(name) && i + 1 < args.length) {
                return args[i + 1];
            }
            if (args[i].startsWith(name + "=")) {
                return args[i].substring(name.length() + 1);
            }
        }
        return null;
    }

    private static String usage() {
        return """
                usage: java -jar phalanx-node.jar [run] --config FILE.yaml
                       java -jar phalanx-node.jar validate --config FILE.yaml
                       java -jar phalanx-node.jar demo [--base-port 18080]
                """ + EtcdCli.USAGE_TEXT + "\n";
    }
}

package dev.phalanx.node;

import dev.phalanx.node.cli.Commands;

/**
 * The jar's entry point: sets the JVM-wide logging defaults, then dispatches to {@link Commands}
 * (docs/contract.md#build-and-run):
 * <pre>
 *   phalanx-node.jar [run] --config FILE.yaml     run a node (or env PHALANX_CONFIG)
 *   phalanx-node.jar validate --config FILE.yaml  check a node config (and its routes file); exit 0 or 1
 *   phalanx-node.jar demo                         three nodes and two backends on loopback, Ctrl-C stops
 *   phalanx-node.jar routes|pools|status ...      read and write routes and pools in etcd (node.cli.EtcdCli)
 *   phalanx-node.jar purge --url|--prefix|--tag ... purge on every node through a node's admin API (node.cli.PurgeCli)
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
        int exit = Commands.dispatch(command, args);
        if (exit >= 0) {
            System.exit(exit);
        }
    }
}

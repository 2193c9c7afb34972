package dev.phalanx.node.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.phalanx.cluster.config.EtcdAdmin;
import dev.phalanx.cluster.config.EtcdKeys;
import dev.phalanx.cluster.model.ConfigException;
import dev.phalanx.cluster.model.NodeConfig;
import dev.phalanx.cluster.model.NodeConfig.EtcdConfig;
import dev.phalanx.cluster.model.NodeConfigLoader;
import dev.phalanx.cluster.model.SpecCodec;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * The admin commands that talk to etcd:
 * <pre>
 *   routes put FILE [--expect-revision N]    validate a route (JSON) and write it with a compare-and-swap
 *   routes get [ID]                          print one route (its JSON) or list them all with mod revisions
 *   routes delete ID [--expect-revision N]   delete with a compare-and-swap
 *   pools put|get|delete ...                 the same for pools
 *   status                                   every node's applied revision, in sync or behind, errors
 * </pre>
 * etcd is found with {@code --config FILE.yaml} (its {@code config.etcd}; or env PHALANX_CONFIG) or
 * {@code --endpoints URL[,URL]} with {@code --prefix}, {@code --user} (password in env PHALANX_ETCD_PASSWORD or
 * {@code --password}), {@code --cacert}, {@code --cert}, {@code --key}.
 * Exit codes: 0 done, 1 invalid value, CAS conflict, missing key or a node behind, 2 usage or etcd unreachable.
 */
public final class EtcdCli {
    static final int OK = 0;
    static final int REFUSED = 1;
    static final int USAGE = 2;

    private final PrintStream out;
    private final PrintStream err;

    public EtcdCli(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    public int run(String[] args) {
        String command = args[0];
        List<String> positional = positional(args);
        EtcdConfig etcd = etcdConfig(args);
        if (etcd == null) {
            return USAGE;
        }
        try (EtcdAdmin admin = new EtcdAdmin(etcd)) {
            if (command.equals("status")) {
                return status(admin);
            }
            String kind = command.equals("routes") ? EtcdKeys.ROUTES : EtcdKeys.POOLS;
            String verb = positional.size() > 1 ? positional.get(1) : "";
            String arg = positional.size() > 2 ? positional.get(2) : null;
            Long expected = expected(args);
            return switch (verb) {
                case "put" -> arg == null ? usage(command + " put needs a FILE") : put(admin, kind, Path.of(arg),
                        expected);
                case "get" -> get(admin, kind, arg);
                case "delete" -> arg == null ? usage(command + " delete needs an ID") : delete(admin, kind, arg,
                        expected);
                default -> usage("unknown " + command + " command \"" + verb + "\"; use put, get or delete");
            };
        } catch (EtcdAdmin.Unreachable e) {
            err.println("phalanx: etcd " + etcd.endpoints() + ": " + e.getMessage());
            return USAGE;
        } catch (IllegalArgumentException e) {
            return usage(e.getMessage());
        }
    }

    private int put(EtcdAdmin admin, String kind, Path file, Long expected) throws EtcdAdmin.Unreachable {
        byte[] value;
        try {
            value = Files.readAllBytes(file);
        } catch (IOException e) {
            err.println(file + ": cannot be read: " + e.getMessage());
            return USAGE;
        }
        EtcdAdmin.WriteResult r = admin.put(kind, value, expected);
        return report(r, admin.keys().key(kind, String.valueOf(EtcdAdmin.idOf(value))) + " written");
    }

    private int delete(EtcdAdmin admin, String kind, String id, Long expected) throws EtcdAdmin.Unreachable {
        return report(admin.delete(kind, id, expected), admin.keys().key(kind, id) + " deleted");
    }

    private int report(EtcdAdmin.WriteResult r, String done) {
        if (r.written()) {
            out.println(done + " at revision " + r.revision());
            return OK;
        }
        r.errors().forEach(e -> err.println(e));
        if (r.conflict() != null) {
            err.println("conflict: " + r.conflict());
        }
        return REFUSED;
    }

    private int get(EtcdAdmin admin, String kind, String id) throws EtcdAdmin.Unreachable {
        if (id != null) {
            EtcdAdmin.Entry e = admin.get(kind, id);
            if (e.modRevision() == 0) {
                err.println(e.key() + ": no such key");
                return REFUSED;
            }
            out.println(e.value());
            err.println("# " + e.key() + " mod revision " + e.modRevision()
                    + " (give --expect-revision " + e.modRevision() + " to put only over this version)");
            return OK;
        }
        for (EtcdAdmin.Entry e : admin.list(kind)) {
            out.println(e.id() + "\tmod revision " + e.modRevision());
        }
        return OK;
    }

    private int status(EtcdAdmin admin) throws EtcdAdmin.Unreachable {
        long[] revisions = admin.revisions();
        out.println("etcd revision " + revisions[0] + ", newest route/pool change at revision " + revisions[1]);
        List<EtcdAdmin.Entry> nodes = admin.list(EtcdKeys.NODES);
        if (nodes.isEmpty()) {
            out.println("no node has written its status under " + admin.keys().dir(EtcdKeys.NODES));
            return REFUSED;
        }
        boolean allConverged = true;
        for (EtcdAdmin.Entry e : nodes) {
            try {
                JsonNode s = SpecCodec.JSON.readTree(e.value());
                long rev = s.path("revision").asLong();
                int errors = s.path("errors").size();
                boolean converged = rev >= revisions[1] && s.path("inSync").asBoolean(true);
                allConverged &= converged;
                out.printf("%-20s revision %-8d %-10s errors %-3d version %-10s applied %s%n", e.id(), rev,
                        converged ? "in sync" : rev < revisions[1] ? "BEHIND" : "OUT OF SYNC", errors,
                        s.path("version").asText(), s.path("appliedAt").asText());
                s.path("errors").forEach(x -> out.println("    " + x.asText()));
            } catch (IOException ex) {
                out.println(e.id() + "\tunreadable status: " + e.value());
                allConverged = false;
            }
        }
        return allConverged ? OK : REFUSED;
    }

    private EtcdConfig etcdConfig(String[] args) {
        String endpoints = Options.value(args, "--endpoints");
        if (endpoints != null) {
            String user = Options.value(args, "--user");
            String password = Options.value(args, "--password");
            if (user != null && password == null) {
                password = System.getenv("PHALANX_ETCD_PASSWORD");
            }
            String prefix = Options.value(args, "--prefix");
            return new EtcdConfig(Arrays.stream(endpoints.split(",")).map(String::trim).toList(),
                    prefix == null ? "/phalanx" : prefix, user, password, path(Options.value(args, "--cacert")),
                    path(Options.value(args, "--cert")), path(Options.value(args, "--key")));
        }
        String file = Options.value(args, "--config");
        if (file == null) {
            file = System.getenv("PHALANX_CONFIG");
        }
        if (file == null) {
            usage("say where etcd is: --config FILE.yaml (its config.etcd) or --endpoints http://HOST:2379");
            return null;
        }
        try {
            NodeConfig config = NodeConfigLoader.load(Path.of(file));
            if (config.config().etcd() == null) {
                usage(file + ": config.etcd is not set (this node reads a routes file; edit that file instead)");
                return null;
            }
            return config.config().etcd();
        } catch (ConfigException e) {
            err.println("phalanx: bad config " + file + ":");
            e.errors().forEach(x -> err.println(x));
            return null;
        }
    }

    private static Path path(String p) {
        return p == null ? null : Path.of(p);
    }

    private static Long expected(String[] args) {
        String v = Options.value(args, "--expect-revision");
        if (v == null) {
            return null;
        }
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--expect-revision " + v + " is not a number");
        }
    }

    /** The arguments that are not options or option values. */
    private static List<String> positional(String[] args) {
        List<String> out = new java.util.ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            if (args[i].startsWith("--")) {
                if (!args[i].contains("=")) {
                    i++;
                }
                continue;
            }
            out.add(args[i]);
        }
        return out;
    }

    private int usage(String problem) {
        err.println("phalanx: " + problem + "\n" + USAGE_TEXT);
        return USAGE;
    }

    static final String USAGE_TEXT = """
                   java -jar phalanx-node.jar routes put FILE.json [--expect-revision N] [etcd options]
                   java -jar phalanx-node.jar routes get [ID] | routes delete ID [--expect-revision N]
                   java -jar phalanx-node.jar pools put FILE.json | pools get [ID] | pools delete ID
                   java -jar phalanx-node.jar status
                   etcd options: --config FILE.yaml (uses config.etcd) or --endpoints URL[,URL] [--prefix /phalanx]
                                 [--user U (password: env PHALANX_ETCD_PASSWORD)] [--cacert F --cert F --key F]""";
}

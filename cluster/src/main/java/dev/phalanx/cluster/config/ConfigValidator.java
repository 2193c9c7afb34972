package dev.phalanx.cluster.config;

import dev.phalanx.cluster.model.ConfigError;
import dev.phalanx.cluster.model.ConfigException;
import dev.phalanx.cluster.model.ConfigSnapshot;
import dev.phalanx.cluster.model.NodeConfig;
import dev.phalanx.cluster.model.NodeConfigLoader;
import dev.phalanx.cluster.model.PemFiles;
import dev.phalanx.cluster.model.SnapshotAssembler;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Backs {@code phalanx-node validate --config FILE}: checks the node config and, in file mode, its routes file,
 * and lists every problem ({@code path: message}); an empty list means both are fine. In etcd mode the routes live
 * in etcd and are not checked here.
 */
public final class ConfigValidator {

    private ConfigValidator() {
    }

    public static List<ConfigError> validate(Path nodeConfigFile) {
        NodeConfig config;
        try {
            config = NodeConfigLoader.load(nodeConfigFile);
        } catch (ConfigException e) {
            return e.errors();
        }
        List<ConfigError> errors = new ArrayList<>(PemFiles.check(config));
        if (config.config().file() != null) {
            errors.addAll(validateRoutesFile(config.config().file()));
        }
        return errors;
    }

    /** The problems of one routes file, as the file source would report them on a first load. */
    public static List<ConfigError> validateRoutesFile(Path routesFile) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(routesFile);
        } catch (IOException e) {
            return List.of(new ConfigError(RoutesFile.PATH, FileConfigSource.describe(e)));
        }
        try {
            RoutesFile.Contents c = RoutesFile.parse(bytes, routesFile);
            ConfigSnapshot s = SnapshotAssembler.assemble("file", 0, c.routes(), c.pools(), c.errors(), null);
            return new ArrayList<>(s.errors());
        } catch (ConfigException e) {
            return e.errors();
        }
    }
}

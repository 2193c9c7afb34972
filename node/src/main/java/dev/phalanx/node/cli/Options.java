package dev.phalanx.node.cli;

/** The command line's option parsing: {@code --name value} or {@code --name=value}; the first match wins. */
final class Options {
    private Options() {
    }

    /** The value of option {@code name}, or null when it is absent (or last, without a value). */
    static String value(String[] args, String name) {
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

    /** The config file: {@code --config FILE}, else the environment variable {@code PHALANX_CONFIG}, else null. */
    static String configFile(String[] args) {
        String configArg = value(args, "--config");
        return configArg != null ? configArg : System.getenv("PHALANX_CONFIG");
    }
}

package dev.phalanx.cluster.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.phalanx.cluster.model.NodeConfig.ListenerConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class NodeConfigLoaderTest {

    @TempDir
    Path dir;

    private NodeConfig parse(String yaml) throws ConfigException {
        return NodeConfigLoader.parse(yaml, dir);
    }

    private List<ConfigError> errorsOf(String yaml) {
        return assertThrows(ConfigException.class, () -> parse(yaml)).errors();
    }

    @Test
    void emptyConfigTakesEveryDefault() throws Exception {
        NodeConfig c = parse("");
        assertEquals(NodeConfigLoader.hostName(), c.node().id());
        assertEquals(Path.of("/var/lib/phalanx"), c.node().stateDir());
        assertEquals(0, c.node().workerThreads());
        assertEquals(List.of(new ListenerConfig("web", new HostPort("0.0.0.0", 8080), false, null)), c.listeners());
        assertEquals(List.of(Cidr.parse("127.0.0.1/32"), Cidr.parse("::1/128")), c.trustedProxies());
        assertEquals(new NodeConfig.AdminConfig(new HostPort("127.0.0.1", 9901), ""), c.admin());
        assertEquals(new NodeConfig.SourceConfig(Path.of("/etc/phalanx/routes.yaml"), null), c.config());
        assertNull(c.grid());
        assertEquals(Duration.ofHours(1), c.tickets().rotateEvery());
        assertEquals(new NodeConfig.LimitsConfig(16384, 10485760L, Duration.ofSeconds(60), Duration.ofSeconds(30),
                10000, Duration.ofHours(1), Duration.ofSeconds(10), 240, Duration.ofSeconds(10)), c.limits());
        assertEquals(new NodeConfig.UpstreamConfig(64, Duration.ofSeconds(60), 20, 10), c.upstream());
        assertFalse(c.forwarded());
        assertEquals("stdout", c.accessLog());
        assertEquals(new NodeConfig.DrainConfig(Duration.ofSeconds(1), Duration.ofSeconds(10),
                Duration.ofSeconds(10), Duration.ofSeconds(1), Duration.ofSeconds(2)), c.drain());
    }

    @Test
    void drainDefaultsScaleWithAShortDrainTimeout() throws Exception {
        NodeConfig c = parse("limits: {drainTimeout: 3s}\n");
        assertEquals(new NodeConfig.DrainConfig(Duration.ofMillis(300), Duration.ofSeconds(1), Duration.ofSeconds(1),
                Duration.ofMillis(300), Duration.ofMillis(750)), c.drain());
        NodeConfig set = parse("drain: {idleCloseGrace: 0s, closingMax: 4s, vipReleaseTimeout: 5s, acceptGrace: 500ms,"
                + " releaseGrace: 3s}\n");
        assertEquals(new NodeConfig.DrainConfig(Duration.ZERO, Duration.ofSeconds(4), Duration.ofSeconds(5),
                Duration.ofMillis(500), Duration.ofSeconds(3)), set.drain());
    }

    @Test
    void drainPhasesMustLeaveTimeForRequestsInFlight() {
        List<ConfigError> errors = errorsOf("limits: {drainTimeout: 10s}\ndrain: {closingMax: 6s, vipReleaseTimeout: 3s,"
                + " acceptGrace: 1s, releaseGrace: 5s}\n");
        assertEquals(List.of(
                "drain: closingMax 6s + vipReleaseTimeout 3s + acceptGrace 1s = 10s leaves no time of"
                        + " limits.drainTimeout (10s) for the requests still in flight; shorten them or raise"
                        + " limits.drainTimeout",
                "drain: closingMax 6s + releaseGrace 5s = 11s leaves no time of limits.drainTimeout (10s) for the"
                        + " requests still in flight; shorten them or raise limits.drainTimeout"),
                errors.stream().map(ConfigError::toString).toList());
    }

    @Test
    void tlsListenerTakesStaplingAndSignerDefaults() throws Exception {
        Files.writeString(dir.resolve("a.crt"), "cert");
        Files.writeString(dir.resolve("a.key"), "key");
        NodeConfig.TlsConfig tls = parse("listeners: [{ name: s, bind: \"127.0.0.1:8443\", tls: { certificates: [{ "
                + "certFile: \"" + dir.resolve("a.crt") + "\", keyFile: \"" + dir.resolve("a.key") + "\" }] } }]\n")
                .listeners().get(0).tls();
        assertTrue(tls.ocspStapling());
        assertEquals("auto", tls.rsaSigner());
    }

    @Test
    void unquotedOffIsTheOffSetting() throws Exception {
        assertEquals("off", parse("accessLog: off\n").accessLog());
        assertEquals("off", parse("accessLog: \"off\"\n").accessLog());
    }

    @Test
    void contractExampleLoadsWithRelativePaths() throws Exception {
        Files.createDirectories(dir.resolve("tls"));
        Files.writeString(dir.resolve("tls/a.crt"), "cert");
        Files.writeString(dir.resolve("tls/a.key"), "key");
        Files.writeString(dir.resolve("tls/ca.crt"), "ca");
        Files.writeString(dir.resolve("grid.key"), "secret");
        Files.writeString(dir.resolve("node.yaml"), """
                node: {id: node-1, stateDir: state, workerThreads: 4}
                listeners:
                  - name: web
                    bind: 0.0.0.0:8080
                    proxyProtocol: true
                    h2c: true
                    reusePort: true
                  - name: websecure
                    bind: "[::]:8443"
                    tls:
                      certificates:
                        - { certFile: tls/a.crt, keyFile: tls/a.key }
                      protocols: [TLSv1.3]
                      clientAuth: optional
                      clientCaFile: tls/ca.crt
                      http2: false
                      rsaSigner: boringssl
                trustedProxies: [10.0.0.0/8]
                admin: {bind: "0.0.0.0:9901", token: s3cret}
                config:
                  etcd:
                    endpoints: [http://10.0.0.1:2379, "https://etcd.internal:2379"]
                    user: phalanx
                    password: pw
                grid:
                  members: [10.0.0.11, "10.0.0.13:5702"]
                  secretFile: grid.key
                tickets: {rotateEvery: 30m}
                limits: {maxHeaderBytes: 8192, idleTimeout: 1m30s, requestHeadTimeout: 5s, requestBodyMinRate: 0,
                         requestBodyRateWindow: 30s}
                upstream: {retryBudgetPercent: 50}
                forwarded: true
                accessLog: logs/access.log
                """);
        Files.createDirectories(dir.resolve("logs"));
        NodeConfig c = NodeConfigLoader.load(dir.resolve("node.yaml"));
        assertEquals("node-1", c.node().id());
        assertEquals(dir.resolve("state"), c.node().stateDir());
        assertEquals(new HostPort("::", 8443), c.listeners().get(1).bind());
        assertTrue(c.listeners().get(0).proxyProtocol());
        assertTrue(c.listeners().get(0).h2c());
        assertFalse(c.listeners().get(1).h2c());
        assertTrue(c.listeners().get(0).reusePort());
        assertFalse(c.listeners().get(1).reusePort());
        assertFalse(c.admin().reusePort());
        NodeConfig.TlsConfig tls = c.listeners().get(1).tls();
        assertEquals(List.of(new NodeConfig.CertificateConfig(dir.resolve("tls/a.crt"), dir.resolve("tls/a.key"))),
                tls.certificates());
        assertEquals(List.of("TLSv1.3"), tls.protocols());
        assertEquals("optional", tls.clientAuth());
        assertEquals(dir.resolve("tls/ca.crt"), tls.clientCaFile());
        assertFalse(tls.http2());
        assertEquals("boringssl", tls.rsaSigner());
        assertEquals(List.of(Cidr.parse("10.0.0.0/8")), c.trustedProxies());
        assertNull(c.config().file());
        assertEquals(new NodeConfig.EtcdConfig(List.of("http://10.0.0.1:2379", "https://etcd.internal:2379"),
                "/phalanx", "phalanx", "pw", null, null, null), c.config().etcd());
        assertEquals(new NodeConfig.GridConfig("phalanx", new HostPort("0.0.0.0", 5701),
                List.of(new HostPort("10.0.0.11", 5701), new HostPort("10.0.0.13", 5702)), dir.resolve("grid.key")),
                c.grid());
        assertEquals(Duration.ofMinutes(30), c.tickets().rotateEvery());
        assertEquals(8192, c.limits().maxHeaderBytes());
        assertEquals(Duration.ofSeconds(90), c.limits().idleTimeout());
        assertEquals(10485760L, c.limits().maxBodyBytes());
        assertEquals(Duration.ofSeconds(5), c.limits().requestHeadTimeout());
        assertEquals(0, c.limits().requestBodyMinRate(), "0 turns the body rate rule off");
        assertEquals(Duration.ofSeconds(30), c.limits().requestBodyRateWindow());
        assertEquals(50, c.upstream().retryBudgetPercent());
        assertTrue(c.forwarded());
        assertEquals(dir.resolve("logs/access.log").toString(), c.accessLog());
    }

    @Test
    void routesFileResolvesAgainstTheConfigFolder() throws Exception {
        NodeConfig c = parse("config: {file: routes.yaml}\nlisteners: [{name: a, bind: '127.0.0.1:0'},"
                + " {name: b, bind: '127.0.0.1:0'}]\n");
        assertEquals(dir.resolve("routes.yaml"), c.config().file());
        assertEquals(2, c.listeners().size());
    }

    @ParameterizedTest(name = "[{index}] {1}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', textBlock = """
        listners: []                                          | listners                   | unknown field (did you mean listeners?)
        node: {id: 'a b'}                                     | node.id                    | "a b" is not an id
        node: {workerThreads: -1}                             | node.workerThreads         | -1 is outside 0..1024
        listeners: [{name: web, bind: '0.0.0.0'}]             | listeners[web].bind        | "0.0.0.0" has no port
        listeners: [{name: web, bind: 8080}]                  | listeners[web].bind        | 8080 has no host; write it like 0.0.0.0:8080
        listeners: [{name: web, bind: '::1:80'}]              | listeners[web].bind        | IPv6 addresses go in brackets
        listeners: [{name: web, bind: '1.2.3.4:99999'}]       | listeners[web].bind        | has a port outside 0..65535
        listeners: [{name: web}]                              | listeners[web].bind        | required, like 0.0.0.0:8080
        listeners: [{bind: '1.2.3.4:1', tls: 1}]              | listeners[0].tls           | expected an object
        listeners: []                                         | listeners                  | needs at least one listener
        listeners: [{name: a, bind: ':80'}]                   | listeners[a].bind          | a host is missing
        listeners: [{name: a, bind: '0.0.0.0:80'}, {name: a, bind: '1.1.1.1:81'}] | listeners[a].name | listener name a is used twice
        listeners: [{name: a, bind: '0.0.0.0:80'}, {name: b, bind: '127.0.0.1:80'}] | listeners[b].bind | 127.0.0.1:80 overlaps listeners[a].bind (0.0.0.0:80)
        listeners: [{name: a, bind: '[::]:9901'}]             | admin.bind                 | 127.0.0.1:9901 overlaps listeners[a].bind ([::]:9901)
        listeners: [{name: a, bind: '1.1.1.1:80', tls: {}}]   | listeners[a].tls.certificates | needs at least one {certFile, keyFile}
        listeners: [{name: a, bind: '1.1.1.1:80', tls: {certificates: [{certFile: nope.crt, keyFile: nope.key}]}}] | listeners[a].tls.certificates[0].certFile | nope.crt does not exist
        listeners: [{name: a, bind: '1.1.1.1:80', tls: {certificates: [{certFile: nope.crt}]}}] | listeners[a].tls.certificates[0].keyFile | required: a PEM file
        listeners: [{name: a, bind: '1.1.1.1:80', tls: {certificates: [], clientAuth: always}}] | listeners[a].tls.clientAuth | "always" is not one of none, optional, require
        listeners: [{name: a, bind: '1.1.1.1:80', tls: {certificates: [], clientAuth: require}}] | listeners[a].tls.clientCaFile | required with clientAuth require
        listeners: [{name: a, bind: '1.1.1.1:80', tls: {certificates: [], protocols: [SSLv3]}}] | listeners[a].tls.protocols[0] | "SSLv3" is not a supported protocol
        listeners: [{name: a, bind: '1.1.1.1:80', tls: {certificates: [], hsts: 'max-age=forever'}}] | listeners[a].tls.hsts | "max-age=forever" is not a Strict-Transport-Security value
        listeners: [{name: a, bind: '1.1.1.1:80', tls: {certificates: [], rsaSigner: openssl}}] | listeners[a].tls.rsaSigner | "openssl" is not one of auto, libcrypto, boringssl
        listeners: [{name: a, bind: '1.1.1.1:80', h2c: true, tls: {certificates: []}}] | listeners[a].h2c | is for plain listeners
        listeners: [{name: a, bind: '1.1.1.1:80', h2c: sure}]  | listeners[a].h2c           | expected true or false
        listeners: [{name: a, bind: '1.1.1.1:80', ipTransparent: 1}] | listeners[a].ipTransparent | expected true or false
        listeners: [{name: a, bind: '1.1.1.1:80', reusePort: 1}] | listeners[a].reusePort | expected true or false
        admin: {reusePort: 1}                                 | admin.reusePort            | expected true or false
        grid: {portCount: 5, secretFile: x}                   | grid.portCount             | 5 is outside 1..4
        grid: {bind: '0.0.0.0:65535', portCount: 2, secretFile: x} | grid.portCount        | bind port 65535 + portCount - 1 is above 65535
        trustedProxies: [10.0.0.0/8, 10.0.0.0/33]             | trustedProxies[1]          | prefix length outside 0..32
        trustedProxies: [proxy.example.com]                   | trustedProxies[0]          | is not an address block
        admin: {bind: '0.0.0.0:9901'}                         | admin.token                | required when admin.bind (0.0.0.0:9901) is not a loopback address
        admin: {bind: '10.0.0.5:9901', token: ''}             | admin.token                | required when admin.bind
        config: {}                                            | config                     | set exactly one of file (standalone) and etcd (cluster)
        config: {file: r.yaml, etcd: {endpoints: [http://a:2379]}} | config                | set exactly one of file
        config: {etcd: {endpoints: []}}                       | config.etcd.endpoints      | needs at least one etcd URL
        config: {etcd: {endpoints: [a:2379]}}                 | config.etcd.endpoints[0]   | is not an etcd URL like http://10.0.0.1:2379
        config: {etcd: {endpoints: [http://a:2379], prefix: phalanx}} | config.etcd.prefix | must start with /
        config: {etcd: {endpoints: [http://a:2379], user: u}} | config.etcd.password       | user and password go together
        config: {etcd: {endpoints: [http://a:2379], certFile: c.pem}} | config.etcd.certFile | does not exist
        grid: {members: [a]}                                  | grid.secretFile            | required with a grid
        grid: {members: ['a:0'], secretFile: x}               | grid.members[0]            | has a port outside 1..65535
        grid: {members: ['bad host']}                         | grid.members[0]            | is not a host name
        grid: {clusterNme: x}                                 | grid.clusterNme            | did you mean clusterName?
        grid: {logLevel: loud}                                | grid.logLevel              | "loud" is not one of debug, info, warn, error, off
        tickets: {rotateEvery: 1 hour}                        | tickets.rotateEvery        | "1 hour" is not a duration like 250ms, 2s, 1m
        limits: {maxHeaderBytes: 0}                           | limits.maxHeaderBytes      | 0 is outside 1..16777216
        limits: {maxBodyBytes: -5}                            | limits.maxBodyBytes        | -5 is outside
        limits: {idleTimeout: 0s}                             | limits.idleTimeout         | must be more than 0s
        limits: {maxConnections: 0}                           | limits.maxConnections      | 0 is outside 1..10000000
        limits: {requestHeadTimeout: 0s}                      | limits.requestHeadTimeout  | must be more than 0s
        limits: {requestHeadTimeout: 50ms}                    | limits.requestHeadTimeout  | 50ms is outside 100ms..1h
        limits: {requestBodyRateWindow: 2h}                   | limits.requestBodyRateWindow | 2h is outside 100ms..1h
        limits: {requestBodyMinRate: -1}                      | limits.requestBodyMinRate  | -1 is outside
        limits: {requestHeadTimout: 5s}                       | limits.requestHeadTimout   | did you mean requestHeadTimeout?
        upstream: {retryBudgetPercent: 101}                   | upstream.retryBudgetPercent | 101 is outside 0..100
        drain: {idleCloseGrace: soon}                         | drain.idleCloseGrace       | "soon" is not a duration like 250ms, 2s, 1m
        drain: {vipReleaseTimeout: 0s}                        | drain.vipReleaseTimeout    | must be more than 0s
        drain: {closingMax: -1s}                              | drain.closingMax           | is not a duration
        drain: {idleCloseGrace: 5s, closingMax: 2s}           | drain.idleCloseGrace       | 5s is longer than closingMax (2s)
        drain: {acceptGrce: 1s}                               | drain.acceptGrce           | did you mean acceptGrace?
        drain: 5s                                             | drain                      | expected an object with fields idleCloseGrace
        forwarded: yes please                                 | forwarded                  | expected true or false
        accessLog: nowhere/access.log                         | accessLog                  | does not exist; use stdout, off or a file path
        """)
    void reportsBadValuesWithTheirPaths(String yaml, String path, String fragment) {
        SpecValidationTest.assertProblem(errorsOf(yaml), path, fragment);
    }

    @Test
    void collectsAllProblemsIntoOneMessage() {
        ConfigException e = assertThrows(ConfigException.class, () -> parse("""
                listeners: [{name: web, bind: 'x'}]
                admin: {bind: '0.0.0.0:9901'}
                limits: {drainTimeout: soon}
                """));
        assertEquals(List.of(
                "listeners[web].bind: \"x\" has no port; write it like 10.0.0.1:8080",
                "admin.token: required when admin.bind (0.0.0.0:9901) is not a loopback address: anyone who can"
                        + " reach it could drain the node",
                "limits.drainTimeout: \"soon\" is not a duration like 250ms, 2s, 1m"), e.getMessage().lines().toList());
    }

    @Test
    void yamlSyntaxErrorsNameTheFileAndLine() throws Exception {
        Path file = dir.resolve("node.yaml");
        Files.writeString(file, "node:\n  id: a\n listeners: [\n");
        ConfigException e = assertThrows(ConfigException.class, () -> NodeConfigLoader.load(file));
        assertEquals(1, e.errors().size());
        assertEquals(file.toString(), e.errors().get(0).path());
        assertTrue(e.errors().get(0).message().startsWith("line 3, column "), e.getMessage());
        Files.writeString(file, "node: {id: a}\nnode: {id: b}\n");
        ConfigException dup = assertThrows(ConfigException.class, () -> NodeConfigLoader.load(file));
        assertTrue(dup.getMessage().contains("Duplicate field 'node'"), dup.getMessage());
        ConfigException missing = assertThrows(ConfigException.class,
                () -> NodeConfigLoader.load(dir.resolve("absent.yaml")));
        assertEquals(dir.resolve("absent.yaml") + ": does not exist", missing.getMessage());
    }

    @Test
    void loopbackAdminNeedsNoTokenAndPortZeroNeverCollides() throws Exception {
        NodeConfig c = parse("admin: {bind: '[::1]:0'}\nlisteners: [{name: a, bind: '0.0.0.0:0'}, "
                + "{name: b, bind: '0.0.0.0:0'}]\n");
        assertEquals(new HostPort("::1", 0), c.admin().bind());
        assertEquals("", c.admin().token());
    }
}

package dev.phalanx.node.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.phalanx.node.testsupport.NodeHarness;
import dev.phalanx.node.testsupport.TestBackend;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.Test;

/**
 * Certificate files replaced on disk (certbot-style: new files moved into place) are served to new connections
 * without a restart, while a connection opened before keeps working; a broken replacement keeps the old certificate.
 */
class CertificateRotationIT {

    @Test
    void newCertificateIsServedWithoutRestartAndOpenConnectionsStay() throws Exception {
        TestPki pki = TestPki.create();
        pki.server("old", false, "a.test");
        pki.server("new", true, "a.test", "www.a.test");
        Path live = Files.createDirectories(pki.dir.resolve("live"));
        TlsIT.copy(pki.crt("old"), live.resolve("cert.pem"));
        TlsIT.copy(pki.key("old"), live.resolve("key.pem"));
        try (TestBackend backend = new TestBackend("be").start();
             NodeHarness node = NodeHarness.start(NodeHarness.simpleRoutes(null, null, backend), null,
                     "{ name: web, bind: \"127.0.0.1:0\", tls: { certificates: [{ certFile: \"" + live.resolve("cert.pem")
                             + "\", keyFile: \"" + live.resolve("key.pem") + "\" }] } }", null)) {
            BigInteger oldSerial = serialOf(pki, node.port());
            try (SSLSocket open = connect(node.port())) {
                assertEquals(200, get(open, true));
                assertEquals(oldSerial, ((X509Certificate) open.getSession().getPeerCertificates()[0])
                        .getSerialNumber());

                // a half-done renewal (certificate without its key) is not taken
                TlsIT.copy(pki.crt("new"), live.resolve("cert.pem"));
                Thread.sleep(2500);
                assertEquals(oldSerial, serialOf(pki, node.port()));

                TlsIT.copy(pki.key("new"), live.resolve("key.pem"));
                BigInteger now = oldSerial;
                for (int i = 0; i < 100 && now.equals(oldSerial); i++) {
                    Thread.sleep(100);
                    now = serialOf(pki, node.port());
                }
                assertNotEquals(oldSerial, now, "the new certificate is served within 10 s");
                assertEquals(new BigInteger(pki.run("openssl", "x509", "-in", "new.crt", "-noout", "-serial")
                        .trim().substring("serial=".length()), 16), now);

                // the connection opened before the rotation still works
                assertEquals(200, get(open, false));
            }
        }
    }

    private static BigInteger serialOf(TestPki pki, int port) {
        String out = pki.run("sh", "-c", "openssl s_client -connect 127.0.0.1:" + port + " -servername a.test"
                + " </dev/null 2>/dev/null | openssl x509 -noout -serial");
        return new BigInteger(out.trim().substring("serial=".length()), 16);
    }

    private static SSLSocket connect(int port) throws Exception {
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, new TrustManager[]{new X509TrustManager() {
            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType) {
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType) {
            }

            @Override
            public X509Certificate[] getAcceptedIssuers() {
                return new X509Certificate[0];
            }
        }}, null);
        SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1", port);
        SSLParameters p = s.getSSLParameters();
        p.setServerNames(List.of(new SNIHostName("a.test")));
        s.setSSLParameters(p);
        s.setSoTimeout(10_000);
        s.startHandshake();
        return s;
    }

    /** One keep-alive GET on the socket; returns the status after reading the whole response. */
    private static int get(SSLSocket s, boolean keepAlive) throws IOException {
        OutputStream out = s.getOutputStream();
        out.write(("GET / HTTP/1.1\r\nHost: a.test\r\n" + (keepAlive ? "" : "Connection: close\r\n") + "\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        out.flush();
        InputStream in = s.getInputStream();
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("closed after " + head);
            }
            head.write(b);
        }
        String h = head.toString(StandardCharsets.ISO_8859_1);
        int length = 0;
        for (String line : h.split("\r\n")) {
            if (line.toLowerCase().startsWith("content-length:")) {
                length = Integer.parseInt(line.substring(15).trim());
            }
        }
        in.readNBytes(length);
        return Integer.parseInt(h.substring(9, 12));
    }
}

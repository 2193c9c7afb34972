package dev.phalanx.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.phalanx.node.testsupport.KeepAliveClient;
import dev.phalanx.node.testsupport.NodeHarness;
import dev.phalanx.node.testsupport.TestBackend;
import org.junit.jupiter.api.Test;

/**
 * {@code listeners[].ipTransparent}: with the capability (root here) the listening socket really carries
 * IP_TRANSPARENT and serves as usual; without it the node refuses to start with a message that says what is missing
 * (Netty alone would only log a warning and run without it). What the option is for, a response leaving after its
 * VIP moved away, needs a VIP that moves: see the figures in the drain docs.
 */
class IpTransparentIT {

    @Test
    void aTransparentListenerHasTheOptionOrTheNodeSaysWhyNot() {
        try (TestBackend backend = new TestBackend("b").start()) {
            String routes = NodeHarness.simpleRoutes(null, null, backend);
            String listener = "{ name: web, bind: \"127.0.0.1:0\", ipTransparent: true }";
            NodeHarness node;
            try {
                node = NodeHarness.startWithListener(routes, listener);
            } catch (IllegalStateException withoutCapability) {
                assertTrue(withoutCapability.getMessage().contains("ipTransparent needs the capability CAP_NET_ADMIN"),
                        withoutCapability.getMessage());
                return;
            }
            try (node; KeepAliveClient client = new KeepAliveClient(node.port(), 1)) {
                assertTrue(node.node().listeners().get(0).ipTransparent(), "the socket option is set");
                assertEquals(200, client.get("/through-a-transparent-listener").status());
            }
        }
    }

    @Test
    void anOrdinaryListenerHasNoTransparency() {
        try (TestBackend backend = new TestBackend("b").start();
             NodeHarness node = NodeHarness.start(NodeHarness.simpleRoutes(null, null, backend))) {
            assertTrue(!node.node().listeners().get(0).ipTransparent());
        }
    }
}

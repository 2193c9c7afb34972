package dev.phalanx.node.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.List;
import org.junit.jupiter.api.Test;

class UpgradeRulesTest {
    private static HttpHeaders upgrade(String value) {
        return new DefaultHttpHeaders().add("Upgrade", value).add("Connection", "Upgrade, HTTP2-Settings")
                .add("HTTP2-Settings", "AAMAAABk");
    }

    @Test
    void h2cIsNeverOfferedEvenWhenARouteWouldAllowIt() {
        HttpHeaders h = upgrade("h2c");
        assertNull(UpgradeRules.restrict(h, true, List.of("h2c", "websocket")));
        assertFalse(h.contains("HTTP2-Settings"));
    }

    @Test
    void onlyAllowedProtocolsStayInTheListWithTheirVersions() {
        HttpHeaders h = upgrade("h2c, WebSocket/13, foo");
        assertEquals("WebSocket/13", UpgradeRules.restrict(h, true, List.of("websocket")));
        assertEquals("WebSocket/13", h.get("Upgrade"));
    }

    @Test
    void withoutConnectionUpgradeNothingIsOffered() {
        HttpHeaders h = upgrade("websocket");
        assertNull(UpgradeRules.restrict(h, false, List.of("websocket")));
        assertFalse(h.contains("HTTP2-Settings"));
    }

    @Test
    void a101IsAcceptedOnlyForOneOfferedProtocol() {
        assertTrue(UpgradeRules.accepted(new DefaultHttpHeaders().add("Upgrade", "websocket"), "WebSocket/13"));
        assertFalse(UpgradeRules.accepted(new DefaultHttpHeaders().add("Upgrade", "h2c"), "websocket"));
        assertFalse(UpgradeRules.accepted(new DefaultHttpHeaders().add("Upgrade", "h2c"), "h2c"));
        assertFalse(UpgradeRules.accepted(new DefaultHttpHeaders().add("Upgrade", "websocket, foo"), "websocket, foo"));
        assertFalse(UpgradeRules.accepted(new DefaultHttpHeaders(), "websocket"));
        assertFalse(UpgradeRules.accepted(new DefaultHttpHeaders().add("Upgrade", "websocket"), null));
    }
}

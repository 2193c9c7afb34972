package dev.phalanx.cluster.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.phalanx.cluster.model.ConfigError;
import dev.phalanx.cluster.model.ConfigSnapshot;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class EtcdConfigStateTest {
    private final EtcdKeys keys = new EtcdKeys("/phalanx");
    private final EtcdConfigState state = new EtcdConfigState(keys);

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void theConfigRangeHoldsRoutesAndPoolsButNotNodeStatus() {
        String start = EtcdKeys.text(keys.configRangeStart());
        String end = EtcdKeys.text(keys.configRangeEnd());
        for (String inside : List.of("/phalanx/pools/a", "/phalanx/routes/a", "/phalanx/routes/zzz")) {
            assertTrue(inside.compareTo(start) >= 0 && inside.compareTo(end) < 0, inside);
        }
        for (String outside : List.of("/phalanx/nodes/n1", "/phalanx/routesX", "/phalanx/routes0", "/phalanxx/pools/a")) {
            assertFalse(outside.compareTo(start) >= 0 && outside.compareTo(end) < 0
                    && keys.kindOf(outside) != null, outside);
        }
        assertEquals("/phalanx/routes0", end);
        assertEquals("/phalanx/nodes0", EtcdKeys.text(EtcdKeys.prefixEnd("/phalanx/nodes/")));
        assertNull(keys.kindOf("/phalanx/nodes/n1"));
        assertEquals("/routes/a", new EtcdKeys("/").key("routes", "a"));
    }

    @Test
    void errorsNameTheKeyAndInvalidValuesKeepTheirLastGoodVersion() {
        state.put("/phalanx/pools/web", b("{\"id\": \"web\", \"endpoints\": [\"127.0.0.1:1\"]}"));
        state.put("/phalanx/routes/a", b("{\"id\": \"a\", \"pool\": \"web\"}"));
        ConfigSnapshot good = state.assemble(5, null);
        assertEquals(List.of(), good.errors());
        assertEquals("etcd", good.source());
        assertEquals(5, good.revision());

        state.put("/phalanx/routes/a", b("not json"));
        state.put("/phalanx/routes/e", b(""));
        state.put("/phalanx/routes/arr", b("[1]"));
        ConfigSnapshot next = state.assemble(6, good);
        assertEquals(good.routes(), next.routes(), "route a keeps its last good version");
        List<String> lines = next.errors().stream().map(ConfigError::toString).toList();
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("/phalanx/routes/a: is not valid JSON")), lines.toString());
        assertTrue(lines.contains("/phalanx/routes/e: is empty; expected a JSON object"), lines.toString());
        assertTrue(lines.contains("/phalanx/routes/arr: expected a JSON object"), lines.toString());

        assertTrue(state.delete("/phalanx/routes/a"));
        assertFalse(state.delete("/phalanx/nodes/n1"));
        assertFalse(state.put("/phalanx/nodes/n1", b("{}")));
        assertEquals(3, state.size());
        assertTrue(state.assemble(7, next).routes().isEmpty(), "a deleted route is gone, the broken ones never came");
    }
}

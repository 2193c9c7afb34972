package dev.phalanx.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.phalanx.cluster.model.EndpointSpec;
import dev.phalanx.cluster.model.LbPolicy;
import dev.phalanx.cluster.model.OutlierSpec;
import dev.phalanx.cluster.model.PoolSpec;
import dev.phalanx.cluster.model.SlowStartSpec;
import dev.phalanx.cluster.state.LocalHealthBoard;
import dev.phalanx.node.balancing.Balancers;
import dev.phalanx.node.balancing.Pool;
import dev.phalanx.node.health.HealthTarget;
import dev.phalanx.node.health.OutlierDetector;
import dev.phalanx.node.metrics.Meters;
import dev.phalanx.node.upstream.Endpoint;
import dev.phalanx.node.upstream.RetryBudget;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class PoolStatusTest {
    @Test
    void showsBudgetEjectionReasonWindowAndSlowStartWeight() {
        Endpoint a = new Endpoint("api", "127.0.0.1:1", new InetSocketAddress("127.0.0.1", 1), 1);
        Endpoint b = new Endpoint("api", "127.0.0.1:2", new InetSocketAddress("127.0.0.1", 2), 1);
        OutlierSpec outlier = new OutlierSpec(1000, Duration.ofSeconds(30), 50,
                new OutlierSpec.FailureRateSpec(50, 4, Duration.ofSeconds(10)));
        PoolSpec spec = new PoolSpec("api", LbPolicy.ROUND_ROBIN,
                List.of(new EndpointSpec(a.address(), 1), new EndpointSpec(b.address(), 1)), null, null, outlier,
                null, new SlowStartSpec(Duration.ofSeconds(60), 10), null);
        List<Endpoint> eps = List.of(a, b);
        Pool pool = new Pool(spec, eps, Balancers.create(spec, eps), new RetryBudget(5, 2));
        try (OutlierDetector outliers = new OutlierDetector(new LocalHealthBoard(), new Meters(), "n1")) {
            outliers.reconcile(List.of(new HealthTarget(spec, eps)));
            for (int i = 0; i < 4; i++) {
                outliers.onResult(a, false);
            }
            outliers.onResult(b, true);
            b.startRamp(System.nanoTime());
            JsonNode json = PoolStatus.toJson(List.of(pool), outliers).get(0);
            assertEquals("api", json.get("id").asText());
            assertEquals(5, json.get("retryBudget").get("percent").asInt());
            assertEquals(2, json.get("retryBudget").get("allowedThisSecond").asInt());
            JsonNode first = json.get("endpoints").get(0);
            assertTrue(first.get("ejected").asBoolean());
            assertFalse(first.get("available").asBoolean());
            assertEquals("failure-rate", first.get("reason").asText());
            JsonNode second = json.get("endpoints").get(1);
            assertEquals(1, second.get("failureRate").get("requests").asInt());
            assertEquals(100, first.get("slowStartWeightPercent").asInt());
            assertEquals(10, second.get("slowStartWeightPercent").asInt(), 1);
        }
    }
}

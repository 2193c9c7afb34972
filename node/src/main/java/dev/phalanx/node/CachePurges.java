package dev.phalanx.node;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.phalanx.cluster.state.PurgeBus;
import dev.phalanx.cluster.state.PurgeMessage;
import dev.phalanx.cluster.state.PurgeResult;
import dev.phalanx.cluster.state.PurgeStats;
import dev.phalanx.node.cache.Purge;
import dev.phalanx.node.cache.PurgeTarget;
import dev.phalanx.node.metrics.Meters;

/**
 * Where the purge bus (cluster module) meets the node's cache: maps the bus's {@link PurgeMessage} to the cache's
 * {@link Purge} and back, turns a {@link PurgeResult} into the JSON of {@code POST /cache/purge}, and names the purge
 * meters (docs/cache.md#purging-across-the-cluster).
 */
final class CachePurges {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The target of a node without a cache: nothing to remove. */
    static final PurgeTarget NO_CACHE = new PurgeTarget() {
        @Override
        public int apply(Purge purge) {
            return 0;
        }

        @Override
        public int clear() {
            return 0;
        }
    };

    private CachePurges() {
    }

    /** The cache as the bus sees it. */
    static PurgeBus.Target target(PurgeTarget cache) {
        return new PurgeBus.Target() {
            @Override
            public int apply(PurgeMessage message) {
                return cache.apply(purge(message));
            }

            @Override
            public int clear() {
                return cache.clear();
            }
        };
    }

    static PurgeMessage message(Purge purge) {
        return new PurgeMessage(PurgeMessage.Kind.valueOf(purge.kind().name()), purge.value());
    }

    static Purge purge(PurgeMessage message) {
        return new Purge(Purge.Kind.valueOf(message.kind().name()), message.value());
    }

    /** {@code {"generation", "scope", "applied": [{"node", "removed"}], "missing": [...], "note"?}}. */
    static String json(PurgeResult r) {
        ObjectNode out = JSON.createObjectNode();
        out.put("generation", r.generation());
        out.put("scope", r.scope());
        ArrayNode applied = out.putArray("applied");
        r.applied().forEach(a -> applied.addObject().put("node", a.node()).put("removed", a.removed()));
        ArrayNode missing = out.putArray("missing");
        r.missing().forEach(missing::add);
        if (r.note() != null) {
            out.put("note", r.note());
        }
        return out.toString();
    }

    /** {@code /cluster}'s {@code "purge"} object. */
    static ObjectNode status(PurgeBus bus) {
        PurgeStats s = bus.stats();
        return JSON.createObjectNode().put("bus", bus.kind()).put("generation", bus.appliedGeneration())
                .put("received", s.received()).put("applied", s.applied()).put("replayed", s.replayed())
                .put("fullClears", s.fullClears());
    }

    /** The purge meters, read from the bus's counters on scrape. */
    static void registerMeters(Meters meters, PurgeBus bus) {
        PurgeStats s = bus.stats();
        meters.functionCounter("phalanx.cache.purges.received", "purges that reached this node through the grid", s,
                PurgeStats::received);
        meters.functionCounter("phalanx.cache.purges.applied", "purges applied to this node's cache", s,
                PurgeStats::applied);
        meters.functionCounter("phalanx.cache.purges.replayed", "missed purges applied later from the grid's purge log",
                s, PurgeStats::replayed);
        meters.functionCounter("phalanx.cache.purge.full.clears",
                "whole-cache clears because the purge log no longer reached back far enough", s, PurgeStats::fullClears);
        meters.functionCounter("phalanx.cache.purges.local.only",
                "purges applied on this node only (no grid, or the grid down)", s, PurgeStats::localOnly);
        meters.gauge("phalanx.cache.purge.generation", "the newest cluster-wide purge generation this node applied",
                bus, PurgeBus::appliedGeneration);
    }
}

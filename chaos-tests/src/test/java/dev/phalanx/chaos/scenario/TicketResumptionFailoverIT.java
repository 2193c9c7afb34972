package dev.phalanx.chaos.scenario;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.phalanx.chaos.cluster.ChaosCluster;
import dev.phalanx.chaos.cluster.Topology;
import dev.phalanx.chaos.load.Clock;
import dev.phalanx.chaos.load.LoadGenerator;
import dev.phalanx.chaos.load.Sample;
import dev.phalanx.chaos.report.ChaosReport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * ticket-resumption-failover: TLS 1.3 sessions made through VIP 1 (node-1), node-1 killed, the same sessions
 * resumed through VIP 1 on node-2, which took it: the grid agreed the ticket keys, so every one resumes.
 */
@ExtendWith(ChaosClusterExtension.class)
class TicketResumptionFailoverIT {
    static final int SESSIONS = 5;

    @Test
    void ticketResumptionFailover(ChaosCluster c) throws Exception {
        ChaosReport.get().run("ticket-resumption-failover", r -> {
            c.reset();
            Topology t = c.topo();
            Path dir = Files.createTempDirectory("phalanx-chaos-tls");
            LoadGenerator load = Scenarios.vipLoad(c, "/chaos/tickets").start();
            int created = 0;
            for (int k = 0; k < SESSIONS; k++) {
                if (TlsSessions.create(t.vip(1), dir.resolve("s" + k))) {
                    created++;
                }
            }
            long killAt = Clock.micros();
            c.docker().kill(t.nodeName(1), "KILL");
            r.event(killAt / 1000, "docker kill -s KILL " + t.nodeName(1));
            long movedSeen = Scenarios.awaitHolder(c, t.vip(1), 2, Duration.ofSeconds(15));
            int resumed = 0;
            for (int k = 0; k < SESSIONS; k++) {
                if (Files.exists(dir.resolve("s" + k)) && TlsSessions.resume(t.vip(1), dir.resolve("s" + k))) {
                    resumed++;
                }
            }
            long doneAt = Clock.micros();
            List<Sample> samples = load.stop();
            r.figure("sessions", SESSIONS);
            r.figure("created", created);
            r.figure("resumed", resumed);
            r.figure("vip_move_seen_ms", (movedSeen - killAt) / 1000);
            r.figure("resume_after_kill_ms", (doneAt - killAt) / 1000);
            Scenarios.loadFigures(r, samples, Scenarios::ok);
            r.goal("resumed", "== sessions", resumed == SESSIONS);
            r.samples("samples", samples);
            r.note("Sessions by openssl s_client -sess_out against VIP 1 while node-1 held it; resumed with -sess_in"
                    + " against VIP 1 after node-2 took it (\"Reused, TLSv1.3\").");
            assertEquals(SESSIONS, created, "TLS sessions made on node-1");
            assertEquals(SESSIONS, resumed, "sessions of node-1 resumed on node-2 after the failover");
        });
    }
}

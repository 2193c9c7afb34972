package dev.phalanx.node.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.phalanx.node.metrics.Meters;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@code POST /vrrp} bodies: what is taken, what is refused and how the refusal reads; and the states kept. */
class VrrpReportTest {

    @Test
    void theNotifyScriptsBodyIsTaken() {
        VrrpReport r = VrrpReport.parse(
                "{\"instance\":\"VI_2\",\"state\":\"MASTER\",\"vips\":[\"172.31.0.102\",\"fd00::102/64\"],\"priority\":150}");
        assertEquals(new VrrpReport("VI_2", VrrpReport.State.MASTER, List.of("172.31.0.102", "fd00::102/64"), 150), r);
        VrrpReport minimal = VrrpReport.parse("{\"instance\":\"VI_1\",\"state\":\"backup\"}");
        assertEquals(new VrrpReport("VI_1", VrrpReport.State.BACKUP, List.of(), null), minimal);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '`', textBlock = """
            ``                                                  | body: empty; send a JSON object like
            `{"instance":`                                      | body: not valid JSON
            `["VI_1","MASTER"]`                                 | body: expected a JSON object like
            `{"state":"MASTER"}`                                | instance: required, the vrrp_instance name like VI_1
            `{"instance":7,"state":"MASTER"}`                   | instance: expected a string, got 7
            `{"instance":"VI 1","state":"MASTER"}`              | instance: "VI 1" is not a vrrp_instance name
            `{"instance":"","state":"MASTER"}`                  | instance: "" is not a vrrp_instance name
            `{"instance":"VI_1"}`                               | state: required, one of MASTER, BACKUP, FAULT, STOP
            `{"instance":"VI_1","state":"PRIMARY"}`             | state: "PRIMARY" is not one of MASTER, BACKUP, FAULT, STOP
            `{"instance":"VI_1","state":1}`                     | state: 1 is not one of
            `{"instance":"VI_1","state":"MASTER","vips":"10.0.0.1"}` | vips: expected a list of addresses like ["10.0.0.100"], got "10.0.0.1"
            `{"instance":"VI_1","state":"MASTER","vips":["10.0.0.1","vip.example"]}` | vips[1]: "vip.example" is not an IP address
            `{"instance":"VI_1","state":"MASTER","vips":["10.0.0.256"]}` | vips[0]: "10.0.0.256" is not an IP address
            `{"instance":"VI_1","state":"MASTER","vips":["10.0.0.1/33"]}` | vips[0]: "10.0.0.1/33" is not an IP address
            `{"instance":"VI_1","state":"MASTER","vips":[5]}`   | vips[0]: 5 is not an IP address
            `{"instance":"VI_1","state":"MASTER","priority":256}` | priority: 256 is not a VRRP priority (a whole number 0..255)
            `{"instance":"VI_1","state":"MASTER","priority":"high"}` | priority: "high" is not a VRRP priority
            `{"instance":"VI_1","state":"MASTER","vip":["10.0.0.1"]}` | "vip": unknown field; the fields are instance, state, vips, priority
            `{"instance":"VI_1","instance":"VI_2","state":"MASTER"}` | body: not valid JSON (Duplicate field 'instance')
            """)
    void badBodiesNameTheField(String body, String expected) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> VrrpReport.parse(body == null ? "" : body));
        assertTrue(e.getMessage().startsWith(expected), () -> "wanted " + expected + "... got " + e.getMessage());
    }

    @Test
    void tooManyVipsAndLongValuesAreCutShort() {
        String many = "[" + "\"10.0.0.1\",".repeat(VrrpReport.MAX_VIPS) + "\"10.0.0.2\"]";
        assertEquals("vips: 65 addresses; at most 64", assertThrows(IllegalArgumentException.class,
                () -> VrrpReport.parse("{\"instance\":\"VI_1\",\"state\":\"MASTER\",\"vips\":" + many + "}"))
                .getMessage());
        String longName = "x".repeat(500);
        String message = assertThrows(IllegalArgumentException.class,
                () -> VrrpReport.parse("{\"instance\":\"" + longName + "\",\"state\":\"MASTER\"}")).getMessage();
        assertTrue(message.length() < 200, message);
    }

    @Test
    void statesKeepTheLatestPerInstanceWithTheTimeTheStateBegan() {
        AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-01-01T00:00:00Z"));
        Meters meters = new Meters();
        VrrpStates states = new VrrpStates(meters, new Clock() {
            @Override
            public ZoneOffset getZone() {
                return ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(java.time.ZoneId zone) {
                return this;
            }

            @Override
            public Instant instant() {
                return now.get();
            }
        });
        assertTrue(states.isEmpty());
        assertTrue(states.report(VrrpReport.parse("{\"instance\":\"VI_1\",\"state\":\"MASTER\",\"priority\":150}")));
        now.set(Instant.parse("2026-01-01T00:00:05Z"));
        states.report(VrrpReport.parse("{\"instance\":\"VI_1\",\"state\":\"MASTER\",\"priority\":100}"));
        states.report(VrrpReport.parse("{\"instance\":\"VI_2\",\"state\":\"BACKUP\"}"));
        assertEquals(List.of("VI_1"), states.masters());
        assertEquals(Instant.parse("2026-01-01T00:00:00Z"), states.entries().get(0).since(), "same state, same since");
        assertEquals(100, states.entries().get(0).report().priority(), "the latest report is kept");
        assertTrue(meters.scrape().contains("phalanx_vrrp_master{instance=\"VI_1\"} 1.0"), meters.scrape());
        assertTrue(meters.scrape().contains("phalanx_vrrp_master{instance=\"VI_2\"} 0.0"), meters.scrape());
        assertEquals("[{\"instance\":\"VI_1\",\"state\":\"MASTER\",\"vips\":[],\"priority\":100,"
                + "\"since\":\"2026-01-01T00:00:00Z\"},{\"instance\":\"VI_2\",\"state\":\"BACKUP\",\"vips\":[],"
                + "\"since\":\"2026-01-01T00:00:05Z\"}]", states.toJson().toString());

        now.set(Instant.parse("2026-01-01T00:00:09Z"));
        states.report(VrrpReport.parse("{\"instance\":\"VI_1\",\"state\":\"BACKUP\"}"));
        assertEquals(List.of(), states.masters());
        assertEquals(Instant.parse("2026-01-01T00:00:09Z"), states.entries().get(0).since());
        assertTrue(meters.scrape().contains("phalanx_vrrp_master{instance=\"VI_1\"} 0.0"), meters.scrape());
    }

    @Test
    void theNumberOfInstancesIsBounded() {
        Meters meters = new Meters();
        VrrpStates states = new VrrpStates(meters);
        for (int i = 0; i < VrrpStates.MAX_INSTANCES; i++) {
            assertTrue(states.report(new VrrpReport("VI_" + i, VrrpReport.State.BACKUP, List.of(), null)));
        }
        assertFalse(states.report(new VrrpReport("VI_new", VrrpReport.State.MASTER, List.of(), null)));
        assertTrue(states.report(new VrrpReport("VI_3", VrrpReport.State.MASTER, List.of(), null)),
                "an instance already kept is always updated");
        assertEquals(VrrpStates.MAX_INSTANCES, states.entries().size());
        assertEquals(List.of("VI_3"), states.masters());
        assertEquals(VrrpStates.MAX_INSTANCES, meters.registry().find("phalanx.vrrp.master").gauges().size());
    }
}

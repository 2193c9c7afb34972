package dev.phalanx.node;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.jar.Attributes;
import java.util.jar.Manifest;
import org.junit.jupiter.api.Test;

class BuildInfoTest {
    @Test
    void readsVersionAndBuildFromTheManifest() {
        Manifest m = new Manifest();
        m.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        m.getMainAttributes().put(Attributes.Name.IMPLEMENTATION_VERSION, "0.1.0-SNAPSHOT");
        m.getMainAttributes().putValue(BuildInfo.BUILD_ATTRIBUTE, "0.1.0-SNAPSHOT+20261206T160000Z");
        assertEquals(new BuildInfo("0.1.0-SNAPSHOT", "0.1.0-SNAPSHOT+20261206T160000Z"), BuildInfo.of(m));
    }

    @Test
    void missingAttributesAreDev() {
        assertEquals(new BuildInfo("dev", "dev"), BuildInfo.of(null));
        assertEquals(new BuildInfo("dev", "dev"), BuildInfo.of(new Manifest()));
    }

    @Test
    void classesOutsideAJarAreDev() {
        // the tests run from target/classes, not from the shaded jar
        assertEquals("dev", BuildInfo.current().build());
    }
}

package org.mamba2j.tornado.model;

import org.junit.jupiter.api.Test;
import org.mamba2j.tornado.Packed16;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The fit check counts the plan's arrays and refuses a device they do not fit, in one line. */
class DeviceMemoryPlanTest {

    @Test
    void countsPartsAndRefusesWhatDoesNotFit() {
        DeviceMemoryPlan p = new DeviceMemoryPlan();
        p.reserve("weights", Packed16.allocate(1000), new FloatArray(500));
        p.reserve("decode", new FloatArray(250));
        assertEquals(2000 + 2000 + 1000, p.bytes());
        assertTrue(p.describe().startsWith("device memory 0.00 GB planned (weights 0.00, decode 0.00)"), p.describe());
        assertDoesNotThrow(() -> p.checkFits("dev", 5000, 2000));
        assertDoesNotThrow(() -> p.checkFits("dev", 0, 0)); // unknown limits
        IllegalArgumentException total = assertThrows(IllegalArgumentException.class, () -> p.checkFits("dev", 4999, 0));
        assertTrue(total.getMessage().startsWith("the model does not fit dev: device memory"), total.getMessage());
        assertFalse(total.getMessage().contains("\n"));
        IllegalArgumentException one = assertThrows(IllegalArgumentException.class, () -> p.checkFits("dev", 0, 1999));
        assertTrue(one.getMessage().contains("allocates at most"), one.getMessage());
    }
}

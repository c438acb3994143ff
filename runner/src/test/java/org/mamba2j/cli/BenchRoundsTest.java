package org.mamba2j.cli;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Each bench round starts one place further into its lists, so that no workload or config always runs first. */
class BenchRoundsTest {

    @Test
    void roundsRotateTheirLists() {
        List<String> l = List.of("f32", "f16", "bf16");
        assertEquals(l, BenchCommand.rotated(l, 0));
        assertEquals(List.of("f16", "bf16", "f32"), BenchCommand.rotated(l, 1));
        assertEquals(List.of("bf16", "f32", "f16"), BenchCommand.rotated(l, 2));
        assertEquals(l, BenchCommand.rotated(l, 3));
        assertEquals(List.of(), BenchCommand.rotated(List.of(), 1));
    }
}

package org.mamba2j.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mamba2j.model.ModelInit;
import org.mamba2j.model.WeightType;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** `bench --cache`: a random-weight model and the JVM's reference are written once and reused by later runs. */
class BenchCacheTest {

    @Test
    void aCachedModelAndReferenceAreReusedAndAPartialOneIsRewritten(@TempDir Path cache) throws IOException {
        Path dir = cache.resolve("130m-bf16-seed1");
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("left-over"), "a run that stopped half way");

        Workload.Generate first = generate(cache);
        BenchResult a = first.run("jvm", null, null, null, 0, 1);
        assertEquals("ok", a.status(), a.error());
        assertEquals(dir, first.model());
        assertFalse(Files.exists(dir.resolve("left-over")), "a folder without its completion mark is written anew");
        assertTrue(Files.exists(dir.resolve(Workload.ModelWorkload.COMPLETE)));
        first.close();
        assertTrue(Files.exists(dir.resolve(Workload.ModelWorkload.COMPLETE)), "closing a run keeps the cache");
        List<Path> files = list(dir);
        assertTrue(files.stream().anyMatch(p -> p.getFileName().toString().startsWith("reference-generate-130m-bf16-")), files.toString());
        FileTime[] before = files.stream().map(BenchCacheTest::modified).toArray(FileTime[]::new);

        Workload.Generate second = generate(cache);
        BenchResult b = second.run("jvm", null, null, null, 0, 1);
        assertEquals("ok", b.status(), b.error());
        assertEquals(files, list(dir), "nothing added");
        assertArrayEquals(before, list(dir).stream().map(BenchCacheTest::modified).toArray(FileTime[]::new), "nothing rewritten");
        second.close();
    }

    private static Workload.Generate generate(Path cache) {
        Workload.Generate w = new Workload.Generate("generate-130m", ModelInit.Preset.M130, WeightType.BF16);
        w.cacheIn(cache);
        return w;
    }

    private static List<Path> list(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.sorted().toList();
        }
    }

    private static FileTime modified(Path p) {
        try {
            return Files.getLastModifiedTime(p);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}

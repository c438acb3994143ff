package org.mamba2j.model;

import org.mamba2j.io.SafeTensors;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The reference data (testdata/ at the project root); the parent pom passes its location as golden.dir. */
public final class Golden {

    public static Path dir() {
        Path d = Path.of(System.getProperty("golden.dir", "../testdata")).toAbsolutePath().normalize();
        if (!Files.isDirectory(d.resolve("tiny-a"))) throw new IllegalStateException("golden data not found at " + d);
        return d;
    }

    public static Path tinyA() {
        return dir().resolve("tiny-a");
    }

    public static SafeTensors tensors() throws IOException {
        return SafeTensors.open(tinyA().resolve("golden.safetensors"));
    }

    public static int[] ints(SafeTensors st, String name) throws IOException {
        long[] l = st.get(name).toLongs();
        int[] r = new int[l.length];
        for (int i = 0; i < l.length; i++) r[i] = Math.toIntExact(l[i]);
        return r;
    }
}

package org.mamba2j.model;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mamba2j.io.MalformedFileException;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Damaged model directories fail with an IOException carrying one clear line, never an unchecked
 * surprise (index errors, NPE, OOM) — checked over many truncations and byte flips of each format.
 */
class CorruptInputTest {

    @TempDir
    Path tmp;

    private Path hfCopy(byte[] weights) throws IOException {
        Path d = Files.createDirectories(tmp.resolve("hf"));
        Files.copy(Golden.tinyA().resolve("hf/config.json"), d.resolve("config.json"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Files.write(d.resolve("model.safetensors"), weights);
        return d;
    }

    private Path torchCopy(byte[] archive) throws IOException {
        Path d = Files.createDirectories(tmp.resolve("torch"));
        Files.copy(Golden.tinyA().resolve("mamba_ssm/config.json"), d.resolve("config.json"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Files.write(d.resolve("pytorch_model.bin"), archive);
        return d;
    }

    /** Loads; returns the exception (null on success). Anything but an IOException fails the test. */
    private static IOException load(Path dir, String what) {
        try (Mamba2Model m = Mamba2Model.load(dir)) {
            m.prefill(new int[] {1, 2, 3}, m.newState(), false);
            return null;
        } catch (IOException e) {
            String msg = e.getMessage();
            assertTrue(msg != null && !msg.isBlank() && msg.indexOf('\n') < 0, what + ": message is not one line: " + msg);
            return e;
        } catch (Throwable t) {
            fail(what + ": unexpected " + t, t);
            return null;
        }
    }

    private static IOException mustFail(Path dir, String what) {
        IOException e = load(dir, what);
        assertTrue(e != null, what + ": loaded without complaint");
        return e;
    }

    @Test
    void truncatedAndFlippedSafetensorsFailCleanly() throws IOException {
        byte[] good = Files.readAllBytes(Golden.tinyA().resolve("hf/model.safetensors"));
        assertTrue(load(hfCopy(good), "intact") == null);
        int header = (int) ByteBuffer.wrap(good).order(ByteOrder.LITTLE_ENDIAN).getLong() + 8;
        int failures = 0;
        for (int cut = 0; cut < good.length; cut += cut < header + 64 ? 1 : 997) {
            mustFail(hfCopy(java.util.Arrays.copyOf(good, cut)), "truncated at " + cut);
            failures++;
        }
        Random rnd = new Random(1);
        for (int i = 0; i < header; i++) {   // alternately one flipped bit and one random byte
            byte[] bad = good.clone();
            bad[i] = (byte) (i % 2 == 0 ? bad[i] ^ (1 << rnd.nextInt(8)) : rnd.nextInt(256));
            load(hfCopy(bad), "byte " + i + " changed");
        }
        for (long len : new long[] {0, -1, 1, 7, header - 9, header - 7, good.length, Long.MAX_VALUE, Integer.MAX_VALUE + 1L}) {
            byte[] bad = good.clone();
            ByteBuffer.wrap(bad).order(ByteOrder.LITTLE_ENDIAN).putLong(len);
            mustFail(hfCopy(bad), "header length " + len);
        }
        String json = new String(good, 8, header - 8, StandardCharsets.UTF_8);
        for (String badJson : new String[] {"", "[]", "null", "{", "{\"a\": 1}", json.replace("F32", "Q7"),
                json.replace("\"shape\"", "\"shapes\""), json.replaceFirst("\\[320,64\\]", "[320,65]"),
                json.replaceFirst("\\[320,64\\]", "[320,-64]"), json.replaceFirst("\\[320,64\\]", "[99999999999,99999999999]"),
                json.replaceFirst("\"data_offsets\":\\[0,", "\"data_offsets\":[-4,"), json.replace("data_offsets", "data_offset"),
                json.replaceFirst("backbone.layers.0.mixer.D", "backbone.layers.0.mixer.E"), "{\"x\":" + "[".repeat(5000) + "]".repeat(5000) + "}"}) {
            byte[] h = badJson.getBytes(StandardCharsets.UTF_8);
            ByteBuffer b = ByteBuffer.allocate(8 + h.length + good.length - header).order(ByteOrder.LITTLE_ENDIAN);
            b.putLong(h.length).put(h).put(good, header, good.length - header);
            mustFail(hfCopy(b.array()), "header " + (badJson.length() > 60 ? badJson.substring(0, 60) : badJson));
        }
        assertTrue(failures > header);
    }

    @Test
    void nanWeightsAreRefused() throws IOException {
        byte[] good = Files.readAllBytes(Golden.tinyA().resolve("hf/model.safetensors"));
        byte[] bad = good.clone();
        ByteBuffer.wrap(bad).order(ByteOrder.LITTLE_ENDIAN).putFloat(bad.length - 400, Float.NaN);
        IOException e = mustFail(hfCopy(bad), "NaN weight");
        assertTrue(e.getMessage().contains("non-finite"), e.getMessage());
    }

    @Test
    void truncatedAndFlippedTorchArchivesFailCleanly() throws IOException {
        byte[] good = Files.readAllBytes(Golden.tinyA().resolve("mamba_ssm/pytorch_model.bin"));
        assertTrue(load(torchCopy(good), "intact") == null);
        for (int cut = 0; cut < good.length; cut += cut < 2600 || cut > good.length - 3000 ? 11 : 1499) {
            mustFail(torchCopy(java.util.Arrays.copyOf(good, cut)), "truncated at " + cut);
        }
        Random rnd = new Random(2);
        // The local header and pickle at the start, the central directory at the end.
        for (int i = 0; i < good.length; i += (i < 2100 || i > good.length - 2400) ? 2 : 1999) {
            byte[] bad = good.clone();
            bad[i] ^= (byte) (1 << rnd.nextInt(8));
            load(torchCopy(bad), "bit flip at " + i);
        }
    }

    /** Rewrites the golden archive with a different data.pkl, entries stored as torch.save does. */
    private static Map<String, byte[]> goldenEntries;

    private static synchronized Map<String, byte[]> goldenEntries() throws IOException {
        if (goldenEntries == null) {
            goldenEntries = new LinkedHashMap<>();
            try (ZipFile z = new ZipFile(Golden.tinyA().resolve("mamba_ssm/pytorch_model.bin").toFile())) {
                for (Enumeration<? extends ZipEntry> en = z.entries(); en.hasMoreElements(); ) {
                    ZipEntry e = en.nextElement();
                    goldenEntries.put(e.getName(), z.getInputStream(e).readAllBytes());
                }
            }
        }
        return goldenEntries;
    }

    private byte[] archiveWithPickle(byte[] pickle) throws IOException {
        Map<String, byte[]> entries = new LinkedHashMap<>(goldenEntries());
        entries.replaceAll((k, v) -> k.endsWith("/data.pkl") ? pickle : v);
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        try (ZipOutputStream zos = new ZipOutputStream(bos)) {
            for (var e : entries.entrySet()) {
                ZipEntry ze = new ZipEntry(e.getKey());
                ze.setMethod(ZipEntry.STORED);
                ze.setSize(e.getValue().length);
                CRC32 crc = new CRC32();
                crc.update(e.getValue());
                ze.setCrc(crc.getValue());
                zos.putNextEntry(ze);
                zos.write(e.getValue());
                zos.closeEntry();
            }
        }
        return bos.toByteArray();
    }

    private static byte[] goldenPickle() throws IOException {
        try (ZipFile z = new ZipFile(Golden.tinyA().resolve("mamba_ssm/pytorch_model.bin").toFile())) {
            return z.getInputStream(z.getEntry("pytorch_model/data.pkl")).readAllBytes();
        }
    }

    @Test
    void rewrittenArchiveStillLoadsSoTheCasesBelowTestThePickle() throws IOException {
        assertTrue(load(torchCopy(archiveWithPickle(goldenPickle())), "rewritten") == null);
    }

    @Test
    void picklesNamingOtherGlobalsAreRefused() throws IOException {
        byte[] good = goldenPickle();
        String s = new String(good, StandardCharsets.ISO_8859_1);
        for (String evil : new String[] {"os\nsystem", "builtins\neval", "subprocess\nPopen", "torch\nload", "torch._utils\n_rebuild_tensor_v3"}) {
            String bad = s.replace("torch._utils\n_rebuild_tensor_v2", evil);
            assertFalse(bad.equals(s));
            IOException e = mustFail(torchCopy(archiveWithPickle(bad.getBytes(StandardCharsets.ISO_8859_1))), evil);
            assertInstanceOf(MalformedFileException.class, e);
            assertTrue(e.getMessage().contains("refusing"), e.getMessage());
        }
        // The classic exploit: GLOBAL os.system, a string, REDUCE, before anything torch.
        byte[] exploit = "\u0080\u0002cos\nsystem\nX\u0002\u0000\u0000\u0000id\u0085R.".getBytes(StandardCharsets.ISO_8859_1);
        assertTrue(mustFail(torchCopy(archiveWithPickle(exploit)), "exploit").getMessage().contains("os.system"));
        // Unsupported opcodes, truncations, flips of the pickle alone.
        Random rnd = new Random(3);
        for (int i = 0; i < good.length; i += 3) {
            byte[] bad = good.clone();
            bad[i] = (byte) rnd.nextInt(256);
            load(torchCopy(archiveWithPickle(bad)), "pickle byte " + i);
            if (i % 13 == 0 && i < good.length - 1) mustFail(torchCopy(archiveWithPickle(java.util.Arrays.copyOf(good, i))), "pickle cut at " + i);
        }
    }

    @Test
    void badConfigsAndLayoutsFailWithOneLine() throws IOException {
        mustFail(tmp.resolve("nonexistent"), "missing directory");
        Path d = Files.createDirectories(tmp.resolve("cfg"));
        mustFail(d, "no config");
        Files.copy(Golden.tinyA().resolve("hf/config.json"), d.resolve("config.json"));
        assertTrue(mustFail(d, "no weights").getMessage().contains("no weights"));
        Files.copy(Golden.tinyA().resolve("hf/model.safetensors"), d.resolve("model.safetensors"));
        assertTrue(load(d, "intact") == null);
        String cfg = Files.readString(Golden.tinyA().resolve("hf/config.json"));
        String[] bad = {"", "{", "[1]", "{\"hidden_size\": 64}", cfg.replace("\"hidden_size\": 64", "\"hidden_size\": 32"),
                cfg.replace("\"state_size\": 16", "\"state_size\": 8"), cfg.replace("\"num_heads\": 8", "\"num_heads\": 4"),
                cfg.replace("\"vocab_size\": 320", "\"vocab_size\": 321"), cfg.replace("\"num_hidden_layers\": 2", "\"num_hidden_layers\": 3"),
                cfg.replace("\"hidden_size\": 64", "\"hidden_size\": \"64\""), cfg.replace("\"conv_kernel\": 4", "\"conv_kernel\": 0"),
                cfg.replace("\"n_groups\": 1", "\"n_groups\": 3"), cfg.replace("\"Infinity\"", "\"banana\""),
                cfg.replace("\"layer_norm_epsilon\": 1e-05", "\"layer_norm_epsilon\": NaN"),
                cfg.replace("\"use_bias\": false", "\"use_bias\": true"), cfg.replace("\"tie_word_embeddings\": true", "\"tie_word_embeddings\": false")};
        for (String b : bad) {
            Files.writeString(d.resolve("config.json"), b);
            IOException e = mustFail(d, "config " + b.length());
            assertInstanceOf(MalformedFileException.class, e);
        }
        // Bare Infinity (older hub files) is accepted as well as {"__float__": "Infinity"}.
        Files.writeString(d.resolve("config.json"), cfg.replaceAll("\\{\\s*\"__float__\": \"Infinity\"\\s*}", "Infinity"));
        assertTrue(load(d, "bare Infinity") == null);
        assertEquals(Float.POSITIVE_INFINITY, Mamba2Config.read(d.resolve("config.json")).dtMax());
        Path sm = Files.createDirectories(tmp.resolve("ssm"));
        Files.copy(Golden.tinyA().resolve("mamba_ssm/pytorch_model.bin"), sm.resolve("pytorch_model.bin"));
        String ssm = Files.readString(Golden.tinyA().resolve("mamba_ssm/config.json"));
        for (String b : new String[] {ssm.replace("\"Mamba2\"", "\"Mamba1\""), ssm.replace("\"d_intermediate\": 0", "\"d_intermediate\": 4"),
                ssm.replace("\"headdim\": 16", "\"headdim\": 32"), ssm.replace("\"ssm_cfg\": {", "\"ssm_cfg\": 3, \"x\": {"),
                ssm.replace("\"pad_vocab_size_multiple\": 16", "\"pad_vocab_size_multiple\": 0")}) {
            Files.writeString(sm.resolve("config.json"), b);
            mustFail(sm, "mamba_ssm config");
        }
        Path idx = Files.createDirectories(tmp.resolve("idx"));
        Files.copy(Golden.tinyA().resolve("hf/config.json"), idx.resolve("config.json"));
        for (String b : new String[] {"{", "{}", "{\"weight_map\": {\"backbone.norm_f.weight\": \"nope.safetensors\"}}",
                "{\"weight_map\": {\"backbone.norm_f.weight\": \"../hf/model.safetensors\"}}", "{\"weight_map\": {\"x\": 3}}"}) {
            Files.writeString(idx.resolve("model.safetensors.index.json"), b);
            mustFail(idx, "index " + b);
        }
    }
}

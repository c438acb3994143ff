#!/usr/bin/env python3
"""Benchmark driver, not part of the runtime: writes a Mamba-2 model directory of this project
(HF layout: config.json + model.safetensors + tokenizer.json, as `mamba2 init` or `mamba2 convert`
write it) as a GGUF file that llama.cpp loads, so that scripts/bench-llama-cpu can run llama.cpp on
the same model beside this project.

It needs numpy and llama.cpp's own gguf-py (the `gguf-py` folder of a llama.cpp checkout, given by
--gguf-py or found through PYTHONPATH); not torch. The file is what llama.cpp's
convert_hf_to_gguf.py (class Mamba2Model) writes for the same checkpoint:

  - keys: mamba2.context_length 2^20, embedding_length, feed_forward_length 0, attention.head_count
    (the number of heads, where convert_hf_to_gguf.py writes 0: see below), block_count, ssm.conv_kernel, ssm.inner_size, ssm.state_size, ssm.time_step_rank
    (d_inner / head_dim), ssm.group_count, attention.layer_norm_rms_epsilon, general.file_type;
  - tensors: token_embd, output_norm, output (only if lm_head is not tied), and per layer
    attn_norm, ssm_in, ssm_conv1d.{weight,bias} (the conv weight squeezed to (channels, d_conv)),
    ssm_dt.bias (dt_bias), ssm_a (-exp(A_log), shape (heads, 1)), ssm_d ((heads, 1)), ssm_norm
    ((n_groups, d_inner / n_groups)), ssm_out;
  - dtypes: the 2-D `.weight` matrices (token_embd, output, ssm_in, ssm_out) in --outtype, all else
    (norms, conv, A, D, biases) float32, as convert_hf_to_gguf.py does.

The vocabulary: tokenizer.json's BPE tokens in id order (tokenizer model "gpt2", pre-tokenizer
"default", its merges, or one inert merge when it has none), padded with "[PAD<i>]" tokens (type UNUSED) to the config's vocab_size as
convert_hf_to_gguf.py pads; bos/eos/pad ids from config.json.

Usage: scripts/safetensors-to-gguf.py --model DIR --out FILE.gguf [--outtype f32|f16|q8_0]
       [--gguf-py LLAMA_CPP/gguf-py]
Input weights may be F32, F16 or BF16 (not Q8_0: convert such a model to f32 first).
"""
import argparse
import json
import struct
import sys
from pathlib import Path

import numpy as np


def read_safetensors(path):
    """name -> numpy array (float32) of every tensor in one .safetensors file."""
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
    data = np.memmap(path, dtype=np.uint8, mode="r", offset=8 + n)
    out = {}
    for name, t in header.items():
        if name == "__metadata__":
            continue
        a, b = t["data_offsets"]
        raw = data[a:b]
        dt = t["dtype"]
        if dt == "F32":
            arr = raw.view("<f4")
        elif dt == "F16":
            arr = raw.view("<f2").astype(np.float32)
        elif dt == "BF16":
            arr = (raw.view("<u2").astype(np.uint32) << 16).view(np.float32)
        else:
            raise SystemExit(f"{path}: tensor {name} has dtype {dt}; only F32, F16 and BF16 are converted "
                             f"(convert a Q8_0 model to f32 first: mamba2 convert --dtype f32)")
        out[name] = np.asarray(arr, dtype=np.float32).reshape(t["shape"])
    return out


def load_tensors(model):
    index = model / "model.safetensors.index.json"
    files = sorted(set(json.loads(index.read_text())["weight_map"].values())) if index.exists() else ["model.safetensors"]
    tensors = {}
    for f in files:
        tensors.update(read_safetensors(model / f))
    return tensors


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--model", required=True, type=Path)
    p.add_argument("--out", required=True, type=Path)
    p.add_argument("--outtype", default="f32", choices=["f32", "f16", "q8_0"])
    p.add_argument("--visible-pads", action="store_true",
                   help="pad tokens of type NORMAL, so that llama.cpp prints generated ids past the tokenizer's "
                        "vocabulary as [PAD<id>] (to compare greedy tokens with `mamba2 generate`)")
    p.add_argument("--gguf-py", type=Path, help="llama.cpp's gguf-py folder (else gguf from PYTHONPATH)")
    a = p.parse_args()
    if a.gguf_py:
        sys.path.insert(0, str(a.gguf_py))
    import gguf

    cfg = json.loads((a.model / "config.json").read_text())
    if cfg.get("model_type") not in (None, "mamba2"):
        raise SystemExit(f"{a.model}: model_type {cfg.get('model_type')}, expected mamba2")
    d_model = cfg["hidden_size"]
    n_layer = cfg["num_hidden_layers"]
    d_inner = cfg.get("intermediate_size") or cfg.get("expand", 2) * d_model
    head_dim = cfg.get("head_dim", 64)
    n_group = cfg.get("n_groups", 1)
    d_state = cfg.get("state_size", 128)
    d_conv = cfg.get("conv_kernel", 4)
    eps = cfg.get("layer_norm_epsilon", 1e-5)
    pad = cfg.get("pad_vocab_size_multiple", 16)
    vocab_size = -(cfg["vocab_size"] // -pad) * pad
    if d_inner != 2 * d_model:
        raise SystemExit("llama.cpp's mamba2 supports only expand = 2")

    qtype, ftype = {
        "f32": (gguf.GGMLQuantizationType.F32, gguf.LlamaFileType.ALL_F32),
        "f16": (gguf.GGMLQuantizationType.F16, gguf.LlamaFileType.MOSTLY_F16),
        "q8_0": (gguf.GGMLQuantizationType.Q8_0, gguf.LlamaFileType.MOSTLY_Q8_0),
    }[a.outtype]

    arch = gguf.MODEL_ARCH_NAMES[gguf.MODEL_ARCH.MAMBA2]
    w = gguf.GGUFWriter(a.out, arch)
    w.add_name(a.model.name)
    w.add_context_length(2 ** 20)
    w.add_embedding_length(d_model)
    w.add_feed_forward_length(0)
    # convert_hf_to_gguf.py writes 0 here ("unused"); llama.cpp's mamba2 loader since its per-model
    # split (#22004, 2026-05) sizes ssm_in, ssm_dt, ssm_a and ssm_d with attention.head_count, and
    # refuses such a file. The number of heads is what the loader meant (its graph reads
    # ssm.time_step_rank, the same value).
    w.add_head_count(d_inner // head_dim)
    w.add_block_count(n_layer)
    w.add_ssm_conv_kernel(d_conv)
    w.add_ssm_inner_size(d_inner)
    w.add_ssm_state_size(d_state)
    w.add_ssm_time_step_rank(d_inner // head_dim)
    w.add_ssm_group_count(n_group)
    w.add_layer_norm_rms_eps(eps)
    w.add_file_type(ftype)

    # Vocabulary: tokenizer.json's BPE, padded to vocab_size.
    tok = json.loads((a.model / "tokenizer.json").read_text())
    vocab = tok["model"]["vocab"]
    by_id = {i: t for t, i in vocab.items()}
    special = {t["id"]: t["content"] for t in tok.get("added_tokens", []) if t.get("special")}
    by_id.update(special)
    tokens, types = [], []
    for i in range(vocab_size):
        if i in special:
            tokens.append(special[i]); types.append(gguf.TokenType.CONTROL)
        elif i in by_id:
            tokens.append(by_id[i]); types.append(gguf.TokenType.NORMAL)
        else:
            tokens.append(f"[PAD{i}]"); types.append(gguf.TokenType.NORMAL if a.visible_pads else gguf.TokenType.UNUSED)
    w.add_tokenizer_model("gpt2")
    w.add_tokenizer_pre("default")
    w.add_token_list(tokens)
    w.add_token_types(types)
    merges = [m if isinstance(m, str) else " ".join(m) for m in tok["model"].get("merges", [])]
    # llama.cpp refuses a gpt2 vocabulary without the merges key, and the writer leaves an empty
    # array out: a byte-level vocabulary with no merges (as `mamba2 init` writes) gets one merge of
    # the bytes 0x00 0x01, whose result is no token (it changes no tokenization of text).
    w.add_token_merges(merges or ["\u0100 \u0101"])
    for key, add in (("bos_token_id", w.add_bos_token_id), ("eos_token_id", w.add_eos_token_id),
                     ("pad_token_id", w.add_pad_token_id)):
        if isinstance(cfg.get(key), int):
            add(cfg[key])

    t = load_tensors(a.model)

    def put(name, arr, quantize):
        arr = np.ascontiguousarray(arr, dtype=np.float32)
        if quantize and qtype != gguf.GGMLQuantizationType.F32:
            data = gguf.quants.quantize(arr, qtype)
            if data.dtype == np.uint8:   # a block format: the writer turns the byte shape into elements
                w.add_tensor(name, data, raw_dtype=qtype)
            else:
                w.add_tensor(name, data)
        else:
            w.add_tensor(name, arr)

    put("token_embd.weight", t["backbone.embeddings.weight"], True)
    put("output_norm.weight", t["backbone.norm_f.weight"], False)
    if "lm_head.weight" in t and not cfg.get("tie_word_embeddings", True):
        put("output.weight", t["lm_head.weight"], True)
    for i in range(n_layer):
        src, dst = f"backbone.layers.{i}.", f"blk.{i}."
        m = src + "mixer."
        put(dst + "attn_norm.weight", t[src + "norm.weight"], False)
        put(dst + "ssm_in.weight", t[m + "in_proj.weight"], True)
        put(dst + "ssm_conv1d.weight", t[m + "conv1d.weight"].squeeze(), False)
        put(dst + "ssm_conv1d.bias", t[m + "conv1d.bias"], False)
        put(dst + "ssm_dt.bias", t[m + "dt_bias"], False)
        put(dst + "ssm_a", (-np.exp(t[m + "A_log"])).reshape(-1, 1), False)
        put(dst + "ssm_d", t[m + "D"].reshape(-1, 1), False)
        put(dst + "ssm_norm.weight", t[m + "norm.weight"].reshape(n_group, d_inner // n_group), False)
        put(dst + "ssm_out.weight", t[m + "out_proj.weight"], True)

    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    print(f"wrote {a.out} ({a.outtype}, {a.out.stat().st_size / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Writes the synthetic binary seeds of the fuzz corpora (tests/fuzz/corpus/): tiny
llama2.c checkpoints, tokenizers and safetensors files, a few hundred bytes each, made
from nothing (no model data). Deterministic: running it again rewrites the same bytes.
The text seeds (traces, configs, sweeps, topologies, config.json) and the saved
decompositions are written by hand or by `itera` (see tests/fuzz/README.md).

    tests/fuzz/make_seeds.py
"""
import json
import os
import struct

CORPUS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")


def write(target, name, data):
    with open(os.path.join(CORPUS, target, name), "wb") as f:
        f.write(data)


def floats(n, salt):
    return struct.pack(f"<{n}f", *[((i * 7 + salt) % 11 - 5) / 8.0 for i in range(n)])


def llama2c(dim, hidden, layers, heads, kv_heads, vocab, seq, separate_classifier):
    """A llama2.c checkpoint (version 0) with small deterministic weights."""
    head = dim // heads
    kv_dim = head * kv_heads
    out = struct.pack("<7i", dim, hidden, layers, heads, kv_heads, -vocab if separate_classifier else vocab, seq)
    sizes = [vocab * dim, layers * dim, layers * dim * dim, layers * kv_dim * dim, layers * kv_dim * dim,
             layers * dim * dim, layers * dim, layers * hidden * dim, layers * dim * hidden, layers * hidden * dim,
             dim, seq * head // 2, seq * head // 2]
    if separate_classifier:
        sizes.append(vocab * dim)
    for salt, n in enumerate(sizes):
        out += floats(n, salt)
    return out


def tokenizer(pieces):
    """A llama2.c tokenizer: max_token_length, then (score, length, bytes) per piece."""
    out = struct.pack("<i", max(len(p) for p in pieces))
    for i, p in enumerate(pieces):
        out += struct.pack("<fi", -float(i) / 4, len(p)) + p
    return out


def safetensors(tensors, metadata=None):
    """tensors: (name, dtype, shape, raw bytes); the header padded to a multiple of 8."""
    header, offset, buf = {}, 0, b""
    if metadata:
        header["__metadata__"] = metadata
    for name, dtype, shape, raw in tensors:
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + len(raw)]}
        offset += len(raw)
        buf += raw
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    return struct.pack("<Q", len(text)) + text + buf


def main():
    write("llama2c", "tiny-shared.bin", llama2c(4, 4, 1, 2, 1, 6, 2, False))
    write("llama2c", "tiny-separate-classifier.bin", llama2c(2, 2, 1, 1, 1, 3, 1, True))

    special = [b"<unk>", b"\n<s>\n", b"\n</s>\n"]
    write("tokenizer", "char-level.tok",
          tokenizer(special + [b" ", b"a", b"b", b"ab", b" a", b"ba", "\u00e9".encode()]))
    byte_pieces = [b"<0x%02X>" % b for b in range(256)]
    write("tokenizer", "byte-fallback.tok",
          tokenizer(special + byte_pieces + [b" ", b"h", b"e", b"l", b"o", b"he", b"ll", b"llo", b" hello"]))

    write("safetensors", "f32-f16-metadata.safetensors", safetensors(
        [("w", "F32", [2, 3], floats(6, 1)), ("norm", "F16", [4], struct.pack("<4e", 1, 0.5, -2, 0))],
        {"format": "pt"}))
    write("safetensors", "mixed-dtypes.safetensors", safetensors(
        [("bf", "BF16", [1, 2], b"\x80\x3f\x00\xc0"), ("scalar", "F64", [], struct.pack("<d", 3.5)),
         ("codes", "I8", [3], b"\x01\xff\x7f"), ("mask", "BOOL", [2], b"\x00\x01"), ("empty", "F32", [0, 3], b""),
         ("i64", "I64", [1], struct.pack("<q", -1))]))


if __name__ == "__main__":
    main()

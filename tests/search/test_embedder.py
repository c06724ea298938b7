"""The real MiniLM model: meaning, batching, truncation, normalisation."""

from __future__ import annotations

import numpy as np
import onnxruntime as ort
import pytest

from paperwire.catalog.model import Authority, Paper
from paperwire.search.embedder import (
    CPU,
    CUDA,
    DIMENSIONS,
    MiniLmEmbedder,
    ProviderUnavailable,
    choose_providers,
    paper_text,
    query_text,
)

MEDICAL = (
    "Automatic segmentation of abdominal organs in CT scans. We train a 3D U-Net on "
    "computed tomography volumes and delineate liver, kidneys and spleen with high Dice."
)
PHYSICS = (
    "Hawking radiation from rotating black holes in string theory. We compute the "
    "greybody factors of Kerr black holes and compare them with D-brane microstates."
)


def make_paper(paper_id: str, title: str, abstract: str) -> Paper:
    return Paper(
        id=paper_id, title=title, abstract=abstract, authors=[], categories=[], version=None,
        submitted=None, updated=None, doi=None, journal_ref=None, comments=None, license=None,
        links=[], listed_on=None, extras={}, authority=Authority.ARXIV, withdrawn=False,
    )  # fmt: skip


@pytest.fixture(scope="module")
def embedder() -> MiniLmEmbedder:
    return MiniLmEmbedder()


def test_query_is_closer_to_the_paper_on_its_topic(embedder: MiniLmEmbedder) -> None:
    query, medical, physics = embedder.embed(
        [query_text("segmenting organs in  CT scans"), MEDICAL, PHYSICS]
    )
    assert float(query @ medical) > float(query @ physics) + 0.2


def test_shape_dtype_and_unit_length(embedder: MiniLmEmbedder) -> None:
    vectors = embedder.embed(["a", MEDICAL, PHYSICS])
    assert vectors.shape == (3, DIMENSIONS)
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert embedder.embed([]).shape == (0, DIMENSIONS)


def test_a_mixed_batch_equals_one_at_a_time(embedder: MiniLmEmbedder) -> None:
    # Bucketing reorders and pads; neither may change a vector.
    texts = ["short", MEDICAL, "a middling sentence about graphs", PHYSICS * 6, "", MEDICAL]
    batched = embedder.embed(texts)
    for text, vector in zip(texts, batched, strict=True):
        np.testing.assert_allclose(embedder.embed([text])[0], vector, atol=1e-3)
    np.testing.assert_allclose(batched[1], batched[5], atol=1e-6)


def test_long_text_is_truncated_and_empty_text_works(embedder: MiniLmEmbedder) -> None:
    long_text = " ".join(["segmentation"] * 10_000)
    long_vector, empty = embedder.embed([long_text, ""])
    assert np.isfinite(long_vector).all() and np.isfinite(empty).all()
    # Truncation at 256 tokens: what lies past them does not change the vector.
    np.testing.assert_allclose(
        long_vector, embedder.embed([long_text + " black holes" * 500])[0], atol=1e-5
    )


def test_paper_text_joins_title_and_abstract() -> None:
    assert paper_text(make_paper("1", title="A  title", abstract="Body.")) == "A title. Body."
    assert paper_text(make_paper("1", title="Why?", abstract="Body.")) == "Why? Body."
    assert paper_text(make_paper("1", title="Only title", abstract="")) == "Only title"


# -- execution providers (PAPERWIRE_EMBED_PROVIDER) ---------------------------------------


def test_provider_choice_follows_what_this_onnxruntime_offers() -> None:
    offered = ort.get_available_providers()
    assert choose_providers("cpu") == [CPU]
    assert choose_providers("auto") == ([CUDA, CPU] if CUDA in offered else [CPU])
    # A GPU build's list (onnxruntime-gpu offers these on a machine with a GPU).
    gpu_build = ["TensorrtExecutionProvider", CUDA, CPU]
    assert choose_providers("auto", gpu_build) == [CUDA, CPU]
    assert choose_providers("cuda", gpu_build) == [CUDA, CPU]
    assert choose_providers("cpu", gpu_build) == [CPU]
    with pytest.raises(ProviderUnavailable, match="install onnxruntime-gpu"):
        choose_providers("cuda", [CPU])


@pytest.mark.skipif(CUDA in ort.get_available_providers(), reason="this machine has CUDA")
def test_without_cuda_auto_runs_on_the_cpu_and_cuda_is_refused() -> None:
    assert MiniLmEmbedder(provider="auto", max_tokens=32).provider == CPU
    with pytest.raises(ProviderUnavailable, match="PAPERWIRE_EMBED_PROVIDER=cuda"):
        MiniLmEmbedder(provider="cuda")

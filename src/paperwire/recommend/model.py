"""A reader's taste as one linear function over paper features: closed-form weighted ridge.

The features are the paper's embedding beside its keyword (tf-idf LSA) coordinates
(ranking.model_features); this module only sees rows of d numbers.

Targets are +1 for what the reader liked (upvotes, collections, 👍), -1 for what they turned
down (👎, "not interested") and -1 with a small total weight for a sample of unrated recent
papers ("background"): a weak prior that whatever is common is not what this reader wants.

The weights solve `(λI + Xᵀ C X) w = Xᵀ C y` over the vectors augmented with a constant 1
(the bias). The background's share of that system is the same for every reader, so
`Background` factors it once (its inverse, `A0⁻¹`) and each reader adds only their own k
rated papers through the Woodbury identity: O(k·d²) instead of O(d³) per reader, about
0.1-1 ms for a few dozen signals at d = 384 (a few ms at 512). With many signals (k > d/2)
a direct solve is cheaper and is used instead.

Pure numpy and no database: the engine and the benchmark both call it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

Matrix = npt.NDArray[np.float32]
Vector = npt.NDArray[np.float32]
_BUCKET = 8


@dataclass(frozen=True, slots=True)
class ModelParams:
    """Per-paper weights of each kind of example, and the ridge penalty λ."""

    positive_weight: float = 1.0
    negative_weight: float = 1.0
    # The whole background sample weighs this much, however many papers it holds. Both
    # chosen by bench/recommend.py (docs/recommend.md) on seed 11's simulated readers and
    # checked on seed 23's: for the embedding + keyword features (d = 384 + 128) ridge 3 /
    # mass 50 led a small grid on both seeds (nDCG@10 0.974 / 0.969; ridge 1: 0.967 /
    # 0.966). The first values, 2.0 / 0.1, under-regularised (0.70 on embeddings alone).
    background_mass: float = 50.0
    ridge: float = 3.0


@dataclass(frozen=True, slots=True)
class ReaderModel:
    """`score(x) = x·weights + bias`; only the order of scores for one reader matters."""

    weights: Vector
    bias: float

    def scores(self, matrix: Matrix) -> Vector:
        return np.asarray(matrix @ self.weights + self.bias, dtype=np.float32)


def _augment(matrix: npt.ArrayLike, dimensions: int) -> npt.NDArray[np.float64]:
    array = np.asarray(matrix, dtype=np.float64).reshape(-1, dimensions)
    return np.hstack([array, np.ones((array.shape[0], 1))])


class Background:
    """The background's part of the ridge system, factored once for many readers."""

    def __init__(
        self, background: npt.ArrayLike, dimensions: int, params: ModelParams = ModelParams()
    ) -> None:
        self.dimensions = dimensions
        self.params = params
        aug = _augment(background, dimensions)
        size = dimensions + 1
        each = params.background_mass / aug.shape[0] if aug.shape[0] else 0.0
        self._system = params.ridge * np.eye(size) + each * (aug.T @ aug)
        self._rhs = -each * aug.sum(axis=0)
        # λ > 0 keeps the system symmetric positive definite, so the inverse is well defined.
        self._inverse = np.linalg.inv(self._system)
        self._inverse_rhs = self._inverse @ self._rhs
        self._inverse32 = self._inverse.astype(np.float32)

    def fit(self, positives: npt.ArrayLike, negatives: npt.ArrayLike) -> ReaderModel:
        d = self.dimensions
        pos, neg = _augment(positives, d), _augment(negatives, d)
        weight = np.concatenate(
            [
                np.full(len(pos), self.params.positive_weight),
                np.full(len(neg), self.params.negative_weight),
            ]
        )
        target = np.concatenate([np.ones(len(pos)), -np.ones(len(neg))])
        keep = weight > 0
        return self.fit_examples(np.vstack([pos, neg])[keep], weight[keep], target[keep])

    def fit_many(
        self, rated: Sequence[tuple[npt.ArrayLike, npt.ArrayLike]]
    ) -> tuple[Matrix, Vector]:
        """Many readers' (positives, negatives) at once: weights (readers, d), biases.

        Readers are grouped by how many papers they rated and each group is solved as one
        batch (zero rows pad a group: they change neither side of the system), so the
        cost is a few large matmuls instead of a loop of small ones.
        """
        d = self.dimensions
        weights = np.zeros((len(rated), d), np.float32)
        biases = np.zeros(len(rated), np.float32)
        groups: dict[int, list[int]] = {}
        examples: list[
            tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], npt.NDArray[np.float64]]
        ] = []
        for position, (positives, negatives) in enumerate(rated):
            pos, neg = _augment(positives, d), _augment(negatives, d)
            u = np.vstack([pos, neg])
            c = np.concatenate(
                [
                    np.full(len(pos), self.params.positive_weight),
                    np.full(len(neg), self.params.negative_weight),
                ]
            )
            y = np.concatenate([np.ones(len(pos)), -np.ones(len(neg))])
            keep = c > 0
            examples.append((u[keep], c[keep], y[keep]))
            size = len(examples[-1][0])
            # Groups of similar size: padding costs as much as real rows.
            bucket = 0 if size == 0 else -(-size // _BUCKET) * _BUCKET
            groups.setdefault(bucket if size * 2 <= d else -1, []).append(position)
        for bucket, members in groups.items():
            if bucket <= 0:
                for position in members:
                    model = self.fit_examples(*examples[position])
                    weights[position], biases[position] = model.weights, model.bias
                continue
            solutions = self._woodbury_batch([examples[p] for p in members], bucket)
            weights[members] = solutions[:, :d]
            biases[members] = solutions[:, d]
        return weights, biases

    def fit_examples(
        self,
        rated: npt.NDArray[np.float64],
        weight: npt.NDArray[np.float64],
        target: npt.NDArray[np.float64],
    ) -> ReaderModel:
        d = self.dimensions
        if len(rated) == 0:
            solution = self._inverse_rhs
        elif len(rated) * 2 > d:
            system = self._system + (rated.T * weight) @ rated
            solution = np.linalg.solve(system, self._rhs + rated.T @ (weight * target))
        else:
            solution = self._woodbury(rated, weight, target)
        return ReaderModel(solution[:d].astype(np.float32), float(solution[d]))

    def _woodbury_batch(
        self,
        examples: list[
            tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], npt.NDArray[np.float64]]
        ],
        size: int,
    ) -> npt.NDArray[np.float64]:
        count, width = len(examples), self.dimensions + 1
        u = np.zeros((count, size, width))
        c = np.ones((count, size))
        y = np.zeros((count, size))
        for row, (rated, weight, target) in enumerate(examples):
            u[row, : len(rated)] = rated
            c[row, : len(rated)] = weight
            y[row, : len(rated)] = target
        # The one big product, in float32 (twice as fast; its rounding is far below what
        # ranking can notice); the small k×k systems stay in float64.
        flat = u.reshape(-1, width).astype(np.float32) @ self._inverse32
        projected = flat.astype(np.float64).reshape(count, size, width)
        z = self._inverse_rhs[None, :] + np.einsum("rkw,rk->rw", projected, c * y)
        # einsum, not a stack of tiny matmuls: those crawl when BLAS threads share cores.
        inner = np.einsum("rkw,rjw->rkj", projected, u)
        inner[:, np.arange(size), np.arange(size)] += 1.0 / c
        uz = np.einsum("rkw,rw->rk", u, z)
        solved = np.linalg.solve(inner, uz[:, :, None])[:, :, 0]
        result: npt.NDArray[np.float64] = z - np.einsum("rkw,rk->rw", projected, solved)
        return result

    def _woodbury(
        self,
        rated: npt.NDArray[np.float64],
        weight: npt.NDArray[np.float64],
        target: npt.NDArray[np.float64],
    ) -> npt.NDArray[np.float64]:
        # (A0 + Uᵀ C U)⁻¹ r = z - Vᵀ (C⁻¹ + V Uᵀ)⁻¹ U z, with V = U A0⁻¹ and z = A0⁻¹ r.
        projected = rated @ self._inverse
        z = self._inverse_rhs + projected.T @ (weight * target)
        inner = np.diag(1.0 / weight) + projected @ rated.T
        correction: npt.NDArray[np.float64] = projected.T @ np.linalg.solve(inner, rated @ z)
        result: npt.NDArray[np.float64] = z - correction
        return result


def fit(
    positives: npt.ArrayLike,
    negatives: npt.ArrayLike,
    background: npt.ArrayLike,
    *,
    positive_weight: float = 1.0,
    negative_weight: float = 1.0,
    background_mass: float = 50.0,
    ridge: float = 3.0,
) -> ReaderModel:
    """One reader's model. For many readers over one background, build a `Background` once."""
    pos = np.asarray(positives, dtype=np.float32)
    dimensions = pos.shape[1] if pos.ndim == 2 else np.asarray(background).shape[-1]
    params = ModelParams(positive_weight, negative_weight, background_mass, ridge)
    return Background(background, int(dimensions), params).fit(positives, negatives)


def stack(models: list[ReaderModel], dimensions: int) -> tuple[Matrix, Vector]:
    """Weights as one (readers, d) matrix and biases as (readers,): one matmul scores all."""
    if not models:
        return np.zeros((0, dimensions), np.float32), np.zeros(0, np.float32)
    weights = np.stack([model.weights for model in models]).astype(np.float32)
    biases = np.array([model.bias for model in models], dtype=np.float32)
    return weights, biases


def recency_penalty(
    age_days: npt.ArrayLike, *, half_life_days: float = 30.0, weight: float = 0.1
) -> Vector:
    """A mild, explicit preference for newer listings: 0 today, down to -weight when old.

    Added to model scores (which run about -1..1), so a clearly better match from last month
    still beats a weak one from today.
    """
    age = np.maximum(np.asarray(age_days, dtype=np.float32), 0.0)
    return np.asarray(weight * (np.exp2(-age / half_life_days) - 1.0), dtype=np.float32)


def normalise_rows(matrix: npt.ArrayLike) -> Matrix:
    """Unit rows (zero rows stay zero), so dot products are cosines."""
    array = np.asarray(matrix, dtype=np.float32)
    norms = np.linalg.norm(array, axis=-1, keepdims=True)
    return np.asarray(array / np.where(norms == 0, 1.0, norms), dtype=np.float32)

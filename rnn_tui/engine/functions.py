"""Elementwise and normalising functions, numerically stable, on float32 arrays."""

from __future__ import annotations

import numpy as np


def sigmoid(x: np.ndarray) -> np.ndarray:
    """σ(x) = 1 / (1 + e^{−x}) = ½(tanh(½x) + 1), via tanh so large |x| cannot overflow."""
    result = np.multiply(x, 0.5)
    np.tanh(result, out=result)
    result += 1.0
    result *= 0.5
    return result


def log_softmax(logits: np.ndarray, axis: int = -1) -> np.ndarray:
    """log softmax(z)_j = z_j − max z − log Σ_k e^{z_k − max z}."""
    shifted = logits - logits.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


def softmax(logits: np.ndarray, axis: int = -1) -> np.ndarray:
    """softmax(z)_j = e^{z_j − max z} / Σ_k e^{z_k − max z}."""
    shifted = np.exp(logits - logits.max(axis=axis, keepdims=True))
    return shifted / shifted.sum(axis=axis, keepdims=True)


def entropy_nats(probs: np.ndarray) -> float:
    """H(p) = −Σ_j p_j log p_j, in nats (terms with p_j = 0 count 0)."""
    nonzero = probs[probs > 0]
    return float(-(nonzero * np.log(nonzero)).sum())


def several_rows(x: np.ndarray) -> bool:
    """Whether x (…, n) holds more than one row. Several rows multiply a row-major copy of
    Wᵀ in one GEMM, which OpenBLAS's AVX-512 kernels run faster than against the
    transposed view of W, and its AVX2 ones as fast (bench/evaluate.py); a single row
    stays a matrix–vector product against the view, which the copy does not speed up."""
    return x.ndim > 1 and x.size > x.shape[-1]


def best_first(scores: np.ndarray, count: int) -> np.ndarray:
    """Flat indices of the `count` highest scores, highest first, ties in index order:
    the first `count` of `np.argsort(-scores, axis=None, kind="stable")`, found without
    sorting every score (a beam step keeps a few of K·V candidates)."""
    negated = -np.ravel(scores)
    if count >= negated.size:
        return np.argsort(negated, kind="stable")
    threshold = np.partition(negated, count - 1)[count - 1]
    if np.isnan(threshold):  # fewer than `count` numbers: NaNs, which sort last, are in
        return np.argsort(negated, kind="stable")[:count]
    chosen = np.flatnonzero(negated <= threshold)  # in index order, ties included
    return chosen[np.argsort(negated[chosen], kind="stable")][:count]

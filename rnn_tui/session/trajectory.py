"""Where the hidden state travels: the states read so far, projected to their first two
principal components.

With S the (steps × units) matrix of states h_t, S̄ its column means and
C = S − S̄, the principal directions v_k are the eigenvectors of CᵀC with the
largest eigenvalues λ_k (= σ_k², the squared singular values of C); the
trajectory is p_t = (h_t − h̄) [v_1 v_2], and component k explains λ_k / Σ λ of
the variance.
Each direction's sign is fixed (its largest loading positive) so the picture does
not flip between steps.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Trajectory:
    points: np.ndarray  # (steps, 2): PC1, PC2 of each step's state
    first_step: int  # the time index of points[0]
    explained: tuple[float, float]  # share of the variance along PC1 and PC2


def pca_trajectory(states: np.ndarray, first_step: int = 0) -> Trajectory:
    """`states` is (steps, units); fewer than two distinct states give points at the origin.

    The principal directions come from the eigenvectors of the smaller Gram matrix
    (CᵀC, units × units, or CCᵀ, steps × steps, with C = S − S̄): eigh is about
    twice as fast as the SVD, and the autoplaying view calls this on every frame.
    """
    steps = states.shape[0]
    centered = states.astype(np.float64) - states.mean(axis=0, keepdims=True)
    points = np.zeros((steps, 2))
    if steps < 2 or not np.any(centered):
        return Trajectory(points, first_step, (0.0, 0.0))
    by_step = steps <= centered.shape[1]
    gram = centered @ centered.T if by_step else centered.T @ centered
    values, vectors = np.linalg.eigh(gram)  # ascending
    values = np.clip(values, 0.0, None)
    total = values.sum()
    explained = [0.0, 0.0]
    for k in range(min(2, len(values))):
        value, vector = values[-1 - k], vectors[:, -1 - k]
        if value <= total * 1e-12:
            break
        direction = centered.T @ vector / np.sqrt(value) if by_step else vector
        if direction[np.argmax(np.abs(direction))] < 0:
            direction = -direction
        points[:, k] = centered @ direction
        explained[k] = float(value / total)
    return Trajectory(points, first_step, (explained[0], explained[1]))

"""Where the hidden state travels: the states read so far, projected to their first two
principal components.

With S the (steps × units) matrix of states h_t and S̄ its column means, the SVD
S − S̄ = U Σ Vᵀ gives the principal directions (rows of Vᵀ); the trajectory is
p_t = (h_t − h̄) [v_1 v_2], and component k explains σ_k² / Σ σ² of the variance.
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
    """`states` is (steps, units); fewer than two distinct states give points at the origin."""
    steps = states.shape[0]
    centered = states.astype(np.float64) - states.mean(axis=0, keepdims=True)
    points = np.zeros((steps, 2))
    if steps < 2 or not np.any(centered):
        return Trajectory(points, first_step, (0.0, 0.0))
    _, singular, directions = np.linalg.svd(centered, full_matrices=False)
    variance = singular**2
    explained = [0.0, 0.0]
    for k in range(min(2, len(singular))):
        direction = directions[k]
        if direction[np.argmax(np.abs(direction))] < 0:
            direction = -direction
        points[:, k] = centered @ direction
        explained[k] = float(variance[k] / variance.sum())
    return Trajectory(points, first_step, (explained[0], explained[1]))

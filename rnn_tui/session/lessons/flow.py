"""Chapter 7: training through time — BPTT, ∂L_t/∂h_k, vanishing and exploding, clipping.

The live control scales every recurrent matrix, W ← s·W, which scales its spectral
radius ρ(W) = max |eigenvalue| by s; the gradient flow is recomputed by the engine's
hand-written BPTT for the scaled model.
"""

from __future__ import annotations

from rnn_tui.session.lessons.contents import title
from rnn_tui.session.lessons.reading import SettingsLive, setting
from rnn_tui.session.lessons.structure import Chapter, Exercise

TEXT = "First Citizen:\nBefore we proceed any further, hear me speak."


class FlowLive(SettingsLive):
    def __init__(self) -> None:
        from rnn_tui.session.lessons.models import bundled_language_model

        self.base = bundled_language_model("shakespeare-rnn")
        self.tokens = self.base.opening(self.base.tokenizer.encode(TEXT))
        self.scale, self.clip = 1.0, 1.0
        self.compute()

    def compute(self) -> None:
        import numpy as np

        from rnn_tui.engine.lm import LanguageModel
        from rnn_tui.session.gradients import gradient_flow

        config = self.base.config
        weights = dict(self.base.weights)
        for k in range(config.num_layers):
            weights[f"rnn.weight_hh_l{k}"] = self.base.weights[f"rnn.weight_hh_l{k}"] * self.scale
        model = LanguageModel(config, self.base.tokenizer, weights, self.base.meta)
        self.flow = gradient_flow(model, self.tokens, clip=self.clip)
        self.radii = [
            float(np.abs(np.linalg.eigvals(weights[f"rnn.weight_hh_l{k}"])).max())
            for k in range(config.num_layers)
        ]

    def panel(self) -> list[str]:
        from rnn_tui.session.gradients import log_sparkline

        f, t = self.flow, self.flow.position
        radii = ", ".join(f"{r:.3f}" for r in self.radii)
        marks = [k for k in (t, t - 10, t - 20, t - 40, 0) if 0 <= k <= t]
        steps = "  ".join(f"k={k}: {f.norms[k]:.2e}" for k in dict.fromkeys(marks))
        assert f.global_norm is not None
        return [
            f"W ← s·W with s = {self.scale:g}: spectral radius ρ(W) per layer = {radii}",
            f"loss at t = {t} (predicting {f.target!r}); ‖∂L_t/∂h_k‖ of the top layer, k = 0 … t:",
            f"  {log_sparkline(f.norms)}",
            f"  {steps}",
            f"  reaching back to k = 0: ‖∂L_t/∂h_0‖ / ‖∂L_t/∂h_t‖ = {f.ratio:.2e}",
            f"‖g‖ = {f.global_norm:.4f} over all parameters; clip threshold C = {self.clip:g}",
            "  norm after clipping = ?",
        ]

    def set_value(self, text: str) -> str:
        """`s=1.5` scales W; `clip=0.5` sets the threshold C."""
        parsed = setting(text, {"s": (0.0, 5.0), "clip": (0.0, 1e6)})
        if isinstance(parsed, str):
            return parsed
        name, number = parsed
        if name == "s":
            self.scale = number
        else:
            self.clip = number
        self.compute()
        return f"{name} = {number:g}"

    def ten_back(self) -> float:
        """‖∂L_t/∂h_t−10‖ / ‖∂L_t/∂h_t‖."""
        norms, t = self.flow.norms, self.flow.position
        return float(norms[t - 10] / norms[t]) if t >= 10 and norms[t] > 0 else 0.0

    def clipped_norm(self) -> float:
        assert self.flow.clipped_norm is not None
        return self.flow.clipped_norm


CHAPTER = Chapter(
    number=7,
    title=title(7),
    text=[
        "An RNN is trained like the network it becomes when unfolded: the loss at step",
        "t is differentiated back through every earlier step (backpropagation through",
        "time, BPTT). On the way from h_t to h_k the gradient is multiplied, step after",
        "step, by Wᵀ and by the slope of φ: ∂h_j/∂h_j−1 = diag(1 − h_j²) W. When these",
        "factors are smaller than 1, what reaches early steps shrinks exponentially and",
        "the model cannot learn long-range links: the gradient vanishes. When they are",
        "larger, it grows exponentially and a single update can wreck the weights: it",
        "explodes. ρ(W), W's spectral radius, measures the first factor; saturated",
        "units (slope near 0) shrink the second, so ρ(W) > 1 can still vanish. Clipping",
        "rescales the whole gradient g to norm C whenever ‖g‖ > C: g ← g·min(1, C/‖g‖).",
    ],
    keys="v sets s=… (W ← s·W) or clip=… (the threshold C)",
    open_live=FlowLive,
    exercises=[
        Exercise(
            "reach",
            "Carry gradient further: make ‖∂L_t/∂h_t−10‖ at least a tenth of ‖∂L_t/∂h_t‖.",
            "The trained W loses most of it in 10 steps; try scaling W up a little (s=2.5).",
            reached=lambda live: live.ten_back() > 0.1,  # type: ignore[attr-defined]
        ),
        Exercise(
            "explode",
            "Make it explode: more gradient at k = 0 than at k = t (ratio above 1).",
            "Scale W up, s=2 or more, and watch ρ(W) pass 1.",
            reached=lambda live: live.flow.ratio > 1,  # type: ignore[attr-defined]
        ),
        Exercise(
            "clip",
            "What is the gradient's norm after clipping to C?",
            "If ‖g‖ > C it becomes C; otherwise it stays ‖g‖.",
            expected=lambda live: live.clipped_norm(),  # type: ignore[attr-defined]
        ),
    ],
)

"""`rnn-tui gradients` and `rnn-tui two-step`: BPTT numbers in the terminal (no torch)."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from rnn_tui.cli.common import check_utf8, named, reports_user_errors
from rnn_tui.errors import UserError

BAR_WIDTH = 24


@reports_user_errors
def gradients_command(
    checkpoints: list[Path] = typer.Argument(..., help="One or more recurrent LM checkpoints."),
    text: str = typer.Option(..., "--text", help="The text the loss is computed on."),
    position: int = typer.Option(
        None, "--position", help="Loss position t (default: the last prediction)."
    ),
    clip: float = typer.Option(
        None, "--clip", help="Show the global gradient norm before and after clipping to C."
    ),
    layer: int = typer.Option(
        0, "--layer", help="Whose states h_k: layer 1 … L (default: the top layer)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """‖∂L_t/∂h_k‖ for each earlier step k (hand-written BPTT): vanishing and exploding.

    The norms are of one layer's state (the top layer unless --layer says); --clip
    shows the global gradient norm of the mean loss over the text, the loss that
    `train --clip` clips.
    """
    from rnn_tui.engine.loading import load_language_model
    from rnn_tui.session.gradients import gradient_flow, log_bar, log_sparkline, text_tokens

    if clip is not None and clip <= 0:
        raise UserError(f"--clip: expected a positive norm, got {clip}")
    if not text:
        raise UserError("--text: expected a non-empty text")
    check_utf8("--text", text)
    flows = []
    for path in checkpoints:
        model = load_language_model(path)
        chosen = layer - 1 if layer else None
        with named("--text"):
            tokens = text_tokens(model, text)
        flows.append((path, model, gradient_flow(model, tokens, position, clip, chosen)))
    if as_json:
        typer.echo(
            json.dumps(
                {
                    "models": [
                        {
                            "checkpoint": str(path),
                            "cell": model.config.cell,
                            "position": flow.position,
                            "target": flow.target,
                            "tokens": flow.pieces,
                            "layer": flow.layer + 1,
                            "layers": model.config.num_layers,
                            "norms": [float(v) for v in flow.norms],
                            "per_layer_norms": flow.per_layer.tolist(),
                            "ratio_farthest_to_nearest": flow.ratio,
                            "global_norm": flow.global_norm,
                            "global_norm_of": "mean loss over the text (what train --clip clips)",
                            "clipped_global_norm": flow.clipped_norm,
                        }
                        for path, model, flow in flows
                    ]
                }
            )
        )
        return
    from rich.console import Console
    from rich.table import Table

    from rnn_tui.session.display import token_label

    first = flows[0][2]
    aligned = all(len(f.norms) == len(first.norms) for _, _, f in flows)
    groups = [flows] if aligned else [[entry] for entry in flows]
    console = Console()
    for group in groups:
        flow0 = group[0][2]
        model0 = group[0][1]
        which = "top layer" if flow0.layer == model0.config.num_layers - 1 else "layer"
        table = Table(
            title=f"‖∂L_t/∂h_k‖ of h_k in {which} {flow0.layer + 1}/{model0.config.num_layers} "
            f"for the loss at t = {flow0.position} "
            f"(predicting {token_label(flow0.target)!r}); bars on a log scale",
            title_justify="left",
        )
        table.add_column("k", justify="right")
        table.add_column("token")
        low = min(float(f.norms[f.norms > 0].min()) for _, _, f in group)
        high = max(float(f.norms.max()) for _, _, f in group)
        for path, model, _ in group:
            table.add_column(f"{model.config.cell.upper()} ({path.name})", justify="right")
            table.add_column("", no_wrap=True)
        for k in range(len(flow0.norms)):
            row = [str(k), token_label(flow0.pieces[k])]
            for _, _, flow in group:
                value = float(flow.norms[k])
                row += [f"{value:.2e}", log_bar(value, low, high, BAR_WIDTH)]
            table.add_row(*row)
        console.print(table)
        for path, model, flow in group:
            console.print(
                f"{model.config.cell.upper()} {path.name}: {log_sparkline(flow.norms)}  "
                f"farthest/nearest = ‖∂L_t/∂h_0‖ / ‖∂L_t/∂h_t‖ = {flow.ratio:.3e}"
            )
            if flow.global_norm is not None:
                console.print(
                    f"  global gradient norm of the mean loss over the text (as train "
                    f"--clip sees it): {flow.global_norm:.4f}, after clipping to {flow.clip:g}: "
                    f"{flow.clipped_norm:.4f}"
                )


@reports_user_errors
def two_step_command(
    u: float = typer.Option(0.5, help="Input weight."),
    w: float = typer.Option(0.9, help="Recurrent weight."),
    v: float = typer.Option(1.2, help="Output weight."),
    b: float = typer.Option(0.1, help="Bias."),
    x1: float = typer.Option(1.0, help="Input at step 1."),
    x2: float = typer.Option(-0.5, help="Input at step 2."),
    d1: float = typer.Option(0.3, help="Target at step 1."),
    d2: float = typer.Option(-0.2, help="Target at step 2."),
) -> None:
    """The two-step scalar RNN: ∂E/∂u as the sum of its three paths, with numbers."""
    from rnn_tui.engine.two_step import TwoStepInputs, two_step_lines, two_step_terms

    for name, value in dict(u=u, w=w, v=v, b=b, x1=x1, x2=x2, d1=d1, d2=d2).items():
        if abs(value) > 1e3:  # tanh saturates far below; larger values only overflow E
            raise UserError(f"--{name}: expected a value between -1000 and 1000, got {value:g}")
    inputs = TwoStepInputs(u=u, w=w, v=v, b=b, x1=x1, x2=x2, d1=d1, d2=d2)
    for line in two_step_lines(inputs, two_step_terms(inputs)):
        typer.echo(line)

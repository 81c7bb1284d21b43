"""Write the documentation's SVG screenshots of the explorer to docs/assets/.

    python tools/screenshots.py

Uses the bundled models and fixed key presses, so the pictures are reproducible.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from rnn_tui.bundled import bundled_models
from rnn_tui.tui.app import make_app

ASSETS = Path(__file__).resolve().parents[1] / "docs" / "assets"
PROMPT = (
    "ROMEO:\nBut, soft! what light through yonder window breaks?\n"
    "It is the east, and Juliet is the sun"
)


async def shoot(
    name: str, keys: list[str], size: tuple[int, int], models: list[Path], prompt: str = PROMPT
) -> None:
    app = make_app(models, prompt=prompt)
    async with app.run_test(size=size) as pilot:
        for _ in range(200):  # the first model loads in a worker
            await app.workers.wait_for_complete()
            await pilot.pause(0.05)
            if len(app.screen_stack) > 1:
                break
        await pilot.press(*keys)
        await app.workers.wait_for_complete()
        await pilot.pause(0.3)
        app.save_screenshot(filename=f"{name}.svg", path=str(ASSETS))
    print(f"wrote {ASSETS / name}.svg")


def main() -> None:
    ASSETS.mkdir(parents=True, exist_ok=True)
    models = bundled_models()
    lstm_first = [m for m in models if "lstm" in m.stem] + [m for m in models if "rnn" in m.stem]
    steps = ["m", *["right"] * 6, *["full_stop"] * 3]
    asyncio.run(shoot("lm-view-120x36", steps, (120, 36), models[:1]))
    asyncio.run(shoot("lm-view-80x24", steps, (80, 24), models[:1]))
    asyncio.run(shoot("gradient-lab-120x36", ["g"], (120, 36), lstm_first))
    dates = [m for m in models if m.stem.startswith("dates")]
    decode = ["right"] * 7
    en_fr = [m for m in models if m.stem.startswith("en-fr")]
    english = "she is taller than her brother."
    asyncio.run(shoot("translator-view-120x36", ["right"] * 5, (120, 36), en_fr, english))
    asyncio.run(shoot("translator-view-80x24", decode, (80, 24), dates, "le samedi 9 mai 2018"))
    neuron = ["m", *["right"] * 6, "u", *["right"] * 30]
    asyncio.run(shoot("neuron-view-120x36", neuron, (120, 36), models[:1]))


if __name__ == "__main__":
    main()

"""The explorer: a Textual app. Widgets render; the engine and sessions compute."""

import os

# 30 frames/s: every panel is redrawn per token, and at 60 fps composing frames
# left autoplay under 100 tokens/s on a 2-core machine; it also halves what an
# SSH session has to carry. TEXTUAL_FPS set by the user still wins.
os.environ.setdefault("TEXTUAL_FPS", "30")

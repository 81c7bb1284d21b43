"""The explorer: a Textual app. Widgets render; the engine and sessions compute."""

import os

# 30 frames/s: autoplay redraws at most 30 times a second anyway (`tui/pace.py`),
# and it halves what an SSH session has to carry. TEXTUAL_FPS set by the user
# still wins.
os.environ.setdefault("TEXTUAL_FPS", "30")

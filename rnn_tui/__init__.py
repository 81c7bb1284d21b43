"""rnn-tui: a terminal microscope for recurrent sequence models."""

import os

# The NumPy engine multiplies small matrices one step at a time, where BLAS threads
# only add overhead; on a machine that is also training, they spin against torch's
# threads and slow both by orders of magnitude. A user's own setting still wins.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

__version__ = "0.1.0"


def __getattr__(name: str) -> object:
    """`rnn_tui.export_language_model`, imported when first used (start-up stays light)."""
    if name == "export_language_model":
        from rnn_tui.importing import export_language_model

        return export_language_model
    raise AttributeError(f"module 'rnn_tui' has no attribute {name!r}")

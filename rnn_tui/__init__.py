"""rnn-tui: a terminal microscope for recurrent sequence models."""

__version__ = "0.1.0"

"""NumPy implementation of the models: step by step, every intermediate kept.

It never imports torch or textual; parity tests hold it equal to `rnn_tui.nn`.
"""

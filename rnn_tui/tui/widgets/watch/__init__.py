"""Widgets of `rnn-tui watch`."""

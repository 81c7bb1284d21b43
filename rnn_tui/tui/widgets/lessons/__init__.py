"""Widgets of `rnn-tui lesson`."""

"""Widgets of the gradient lab."""

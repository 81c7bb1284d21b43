"""Widgets of the translator view."""

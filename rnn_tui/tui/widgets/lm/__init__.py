"""Widgets of the language-model view."""

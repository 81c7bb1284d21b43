"""Rich renderables for the command line (no Textual, no torch)."""

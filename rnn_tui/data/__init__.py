"""Text → tokens: tokenizers, vocabularies, corpora and token streams (no torch)."""

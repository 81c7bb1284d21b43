"""Training with PyTorch: a model-agnostic loop, tasks, reporting, checkpoints."""

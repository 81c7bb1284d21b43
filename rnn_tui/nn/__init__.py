"""PyTorch modules for training (fused RNN kernels, batched, any device)."""

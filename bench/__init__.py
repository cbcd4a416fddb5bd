"""Benchmarks (``make bench``): figures printed side by side, never timed assertions in tests."""

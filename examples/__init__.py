"""Runnable examples of code that drives ECS, checked by ``tests/test_examples.py``."""

"""Trainable text classifiers and how shipped models are saved and loaded."""

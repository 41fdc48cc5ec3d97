"""The model-training workflow behind ``python -m nlp.train``: datasets split by agency,
three classifier backends, evaluation against baselines, and model cards."""

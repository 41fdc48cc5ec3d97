"""The document stages, each a small object with one job (see configs/pipeline.yaml)."""

"""Exchange formats other than mieux's own files (transfer.py): one module per standard."""

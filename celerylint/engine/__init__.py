"""The engine: parsing, the batched traversal, phases, suppression and output order."""

"""Plain-data facts extracted per module, and the project index built from them."""

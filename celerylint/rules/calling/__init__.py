"""CEL6xx: calling tasks, canvases and reading results."""

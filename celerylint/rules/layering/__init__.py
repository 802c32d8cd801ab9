"""CEL1xx: layering, imports, registration and naming."""

"""CEL2xx: retries."""

"""CEL3xx: idempotency, side effects and transactions."""

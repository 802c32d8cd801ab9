"""CEL0xx: findings about celerylint's own input (unreadable files, unused suppressions)."""

"""CEL4xx: routing and task-name resolution (cross-file), and schedules."""

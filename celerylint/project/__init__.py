"""The project layer: the index over every module's facts, and the project models built
on it (configuration, routing, workers, Django apps, request handlers, results, task
calls). Phase 2 only: nothing here parses a file (``docs/architecture.md``)."""

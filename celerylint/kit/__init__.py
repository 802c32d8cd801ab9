"""The rule kit: what a per-file rule or collector works with while the tree is walked.

The file context (scopes, functions, blocks, the name resolver), node fixes and the fix
builders. It sits at the bottom of the layers: it knows libcst and the diagnostics, and
nothing about Celery, facts, rules or the pipeline (``docs/architecture.md``).
"""

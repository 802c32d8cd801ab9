"""Shared Celery/Django knowledge: names, values, tasks, settings."""

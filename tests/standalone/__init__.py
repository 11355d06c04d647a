"""The repository on its own: tasks.py as the entry point, and a fresh clone that runs its tests."""

"""The HTTP layer: thin FastAPI routes, request body reading, error answers."""

"""Request bodies of the HTTP API as pydantic models (validation only, no defaults logic)."""

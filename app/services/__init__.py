"""Use cases of the server; each one runs in one database transaction."""

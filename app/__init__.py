"""Self-hostable server for HoneyHive's Events API."""

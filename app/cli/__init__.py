"""The `events-api` command line: run and migrate the server, and call the Events API."""

"""All SQL of the server, on an open connection: one repository per table, and search as SQL."""

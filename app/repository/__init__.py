"""All SQL of the server: one repository class per table, on an open connection."""

"""Event search: filter parsing, date ranges, SQL compilation and the pure reference model."""

"""Database access: engine, transactions, the two dialects and their differences, migrations."""

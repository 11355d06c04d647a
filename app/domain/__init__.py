"""Pure domain rules of events: records, defaults, update merging. No I/O here."""

"""The filter language: filters, date ranges, the search query and its pure reference model."""

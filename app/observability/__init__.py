"""Metrics (Prometheus) and request logs: what the server tells its operators."""

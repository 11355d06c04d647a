"""Tests of the `events-api events` command line."""

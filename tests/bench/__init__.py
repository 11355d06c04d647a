"""Tests of the benchmarks' plumbing (bench/): they run for real, briefly; no timings."""

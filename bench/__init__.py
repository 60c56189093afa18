"""Benchmarks that print tables; `make bench` runs them."""

"""Benchmarks (`make bench`): each module measures one path against a baseline in the same run."""

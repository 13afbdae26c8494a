"""Measuring and tuning: evaluation runs, weight fitting, reader training, benchmarks, load tests."""

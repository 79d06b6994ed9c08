"""Benchmarks of the app beside bare Reflex; run each as a module from the project root (`python -m bench.load`)."""

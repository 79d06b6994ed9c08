"""The browser suite's harness: the app served as in production, its pages, Clerk's stand-ins, log checks.

The browser tests (`tests/e2e/`, whose fixtures are in its `conftest.py`) and the benchmarks
(`bench/`) build on it; it holds no tests of its own.
"""

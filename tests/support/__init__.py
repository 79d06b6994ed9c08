"""Helpers shared by the test suites (servers, keys, clocks); not tests themselves."""

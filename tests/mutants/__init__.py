"""Mutation checks: each area lists one-line bugs its tests must catch (``<area>.toml``), and
``python -m tests.mutants`` applies them one at a time to a copy of the tree and runs the tests
named, reporting each as caught (a test failed) or survived (every test passed)."""

"""Oracles: real runtimes and compilers, run in subprocesses, that tests compare the inspector with.

Each module wraps one tool and returns plain data (op indices, partition counts); none imports
the code under test.
"""

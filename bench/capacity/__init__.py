"""The capacity benchmark of issue 11: every figure of its Targets table, each against its
baseline in the same run (bench/run.py runs them and prints the table)."""

"""Checked inputs: the options of a command, spec files, and the frozen value classes they are made of."""

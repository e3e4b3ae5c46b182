"""The ``firegrid`` command line (typer)."""

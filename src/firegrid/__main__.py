"""``python -m firegrid``."""

from firegrid.cli.main import main

main()

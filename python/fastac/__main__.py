"""``python -m fastac``: the command line (see ``fastac --help``)."""

from fastac.cli import main

if __name__ == "__main__":
    main()

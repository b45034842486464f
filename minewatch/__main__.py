"""Lets `python -m minewatch` run the command line."""

from minewatch.cli import main

if __name__ == "__main__":
    main()

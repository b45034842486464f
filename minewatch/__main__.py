"""Lets `python -m minewatch` run the command line."""

from minewatch.cli import run

if __name__ == "__main__":
    run()

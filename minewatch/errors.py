"""The one error tree of minewatch; the CLI maps each to its exit code at the edge.

    MinewatchError (exit 1)
     ├── UsageError (exit 2)        a bad option value, a malformed query
     │    └── ConfigError (exit 2)  a bad feeds file, with its line number
     ├── NotFoundError (exit 2)     an unknown story id, watch or missing database
     └── LockHeldError (exit 3)     another poll holds the lock

A failed feed is not an error: it is data on the feed's row (see fetch.FetchResult).
"""


class MinewatchError(Exception):
    """Base class: a message fit for one line on stderr, and the exit code that goes with it."""

    exit_code = 1


class UsageError(MinewatchError):
    exit_code = 2


class ConfigError(UsageError):
    pass


class NotFoundError(MinewatchError):
    exit_code = 2


class LockHeldError(MinewatchError):
    exit_code = 3

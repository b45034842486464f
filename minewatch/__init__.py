"""minewatch: a command-line monitor of land-mine policy news."""

__version__ = "0.1.0"
PROJECT_URL = "https://github.com/minewatch/minewatch"
USER_AGENT = f"minewatch/{__version__} (+{PROJECT_URL})"

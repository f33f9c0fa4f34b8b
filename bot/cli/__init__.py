"""The `tingjian` command line: `main` parses and dispatches; one module per group of subcommands."""

from bot.cli.main import main

__all__ = ["main"]

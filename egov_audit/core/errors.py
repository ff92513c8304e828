"""Errors about user input (files, options, configuration); the CLI prints them and exits with code 2."""

from __future__ import annotations


class BadInput(Exception):
    """Any input the program refuses; its message names the file, the row/cell or key, and the problem."""


class InputError(BadInput):
    """Bad input: names the file, the row/column or key, and what is wrong."""

    def __init__(self, file: str, problems: list[tuple[str, str]] | str, location: str | None = None) -> None:
        self.file = str(file)
        if isinstance(problems, str):
            problems = [(location or "", problems)]
        self.problems = problems
        super().__init__(self.render())

    def render(self) -> str:
        lines = []
        for location, problem in self.problems:
            where = f"{self.file}: {location}" if location else self.file
            lines.append(f"{where}: {problem}")
        return "\n".join(lines)


class SettingsError(BadInput, ValueError):
    """A configuration file or variable is invalid; the message names the file and key."""

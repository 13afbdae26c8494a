"""The README documents every command-line option and environment variable."""

from __future__ import annotations

import click

from tests.conftest import REPO
from ui.cli import main


def all_commands(group: click.Group = main, prefix: str = "verbatim") -> dict[str, click.Command]:
    """Every command and subcommand, by its full name (``verbatim eval squad``)."""
    found: dict[str, click.Command] = {}
    for name, command in group.commands.items():
        full = f"{prefix} {name}"
        found[full] = command
        if isinstance(command, click.Group):
            found.update(all_commands(command, full))
    return found


def all_parameters() -> list[click.Parameter]:
    params: list[click.Parameter] = []
    for command in all_commands().values():
        params.extend(p for p in command.params if isinstance(p, click.Option))
    return params


def test_readme_names_every_option_and_environment_variable() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    missing: list[str] = []
    for param in all_parameters():
        names = [o for o in param.opts if o.startswith("--") and o not in ("--help",)]
        missing.extend(n for n in names if f"`{n}" not in readme)
        envvars = [param.envvar] if isinstance(param.envvar, str) else list(param.envvar or [])
        missing.extend(e for e in envvars if f"`{e}`" not in readme)
    missing.extend(name for name in all_commands() if name not in readme)
    assert missing == []


def test_readme_starts_with_the_two_commands() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    head = readme[: readme.index("## ", readme.index("make test"))]
    assert "make serve" in head and "make test" in head
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert "make test" in ci

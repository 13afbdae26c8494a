"""Write docs/CONFIGURATION.md: every `verbatim` command's options and environment variables.

    PYTHONPATH=. .venv/bin/python docs/scripts/configuration.py            # rewrite the file
    PYTHONPATH=. .venv/bin/python docs/scripts/configuration.py --check    # exit 1 if it is stale

The reference is generated from the click commands themselves (their help, defaults and
``envvar``), so it cannot drift from ``verbatim --help``; tests/test_docs.py checks it is current.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ui.cli import main

OUT = Path(__file__).resolve().parents[2] / "docs" / "CONFIGURATION.md"
SHARED = ("index_dir", "chroma_url", "catalog_url", "collection", "model")  # ui.options.store_options

HEADER = """\
# Configuration reference

Every option of every `verbatim` command, with its environment variable where it has one. An
option given on the command line wins over its environment variable. Generated from the commands
themselves by `docs/scripts/configuration.py` (do not edit by hand; `tests/test_docs.py` checks
that it is current); `verbatim COMMAND --help` prints the same.

Make variables of the two set-up commands (`make serve`, `make test`): `PYTHON` (default
`python3`), `VENV` (`.venv`), `TORCH` (the pinned torch and its pip arguments, default the CPU
build from PyTorch's CPU wheel index), `CORPUS` (`seeds`), `HOST` (`127.0.0.1`), `PORT` (`7860`),
`TEST_WORKERS` (pytest-xdist workers of `make test`, default 2; 0 runs the suite in one process).
"""


def commands(group: click.Group = main, prefix: str = "verbatim") -> list[tuple[str, click.Command]]:
    found: list[tuple[str, click.Command]] = []
    for name in sorted(group.commands):
        command = group.commands[name]
        found.append((f"{prefix} {name}", command))
        if isinstance(command, click.Group):
            found.extend(commands(command, f"{prefix} {name}"))
    return found


def envvars(option: click.Option) -> list[str]:
    return [option.envvar] if isinstance(option.envvar, str) else list(option.envvar or [])


def cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def metavar(option: click.Option) -> str:
    """A short placeholder for the option's value, by its type (click's own reads `INTEGER RANGE`)."""
    kind = option.type
    if isinstance(kind, click.Choice):
        return "|".join(str(c) for c in kind.choices)
    if isinstance(kind, click.DateTime):
        return "YYYY-MM-DD"
    if isinstance(kind, click.types.IntParamType):
        return "N"
    if isinstance(kind, click.types.FloatParamType):
        return "X"
    if isinstance(kind, click.Path):
        return "DIR" if not kind.file_okay else ("FILE" if not kind.dir_okay else "PATH")
    if option.metavar:
        return option.metavar
    word = (option.name or "value").split("_")[-1].upper()
    return {"URLS": "URL", "SOURCES": "SOURCE"}.get(word, word)


def names(option: click.Option) -> str:
    spelled = "/".join(o for o in [*option.opts, *option.secondary_opts] if o.startswith("--"))
    if not option.is_flag and not option.count:
        spelled += f" {metavar(option)}"
    return f"`{spelled}`".replace("|", "\\|")


def default(option: click.Option) -> str:
    if option.is_flag and not option.secondary_opts:
        return ""
    value = option.default
    if value is None or value == () or callable(value) or type(value).__name__ == "Sentinel":
        return ""
    if option.is_flag and option.secondary_opts:
        return f"`{option.opts[0] if value else option.secondary_opts[0]}`"
    return f"`{value}`"


def usage(name: str, command: click.Command) -> str:
    arguments = [p for p in command.params if isinstance(p, click.Argument)]
    parts = [name]
    for argument in arguments:
        metavar = (argument.name or "").upper()
        if argument.nargs == -1:
            metavar += "..."
        parts.append(metavar if argument.required else f"[{metavar}]")
    if isinstance(command, click.Group):
        parts.append("[COMMAND]" if command.invoke_without_command else "COMMAND")
    return " ".join(parts)


def option_rows(options: list[click.Option]) -> list[str]:
    rows = ["| option | environment variable | default | meaning |", "|---|---|---|---|"]
    for option in options:
        env = ", ".join(f"`{e}`" for e in envvars(option))
        rows.append(f"| {names(option)} | {env} | {default(option)} | {cell(option.help or '')} |")
    return rows


def render() -> str:
    listed = commands()
    lines = [HEADER]
    lines.append("## Environment variables\n")
    lines.append("| variable | option | commands |")
    lines.append("|---|---|---|")
    by_variable: dict[str, tuple[str, list[str]]] = {}
    for name, command in listed:
        for param in command.params:
            if isinstance(param, click.Option):
                for variable in envvars(param):
                    option, users = by_variable.setdefault(variable, (param.opts[0], []))
                    users.append(name.removeprefix("verbatim "))
    for variable in sorted(by_variable):
        option, users = by_variable[variable]
        lines.append(f"| `{variable}` | `{option}` | {', '.join(users)} |")
    shared: list[click.Option] = []
    for _, command in listed:
        shared = [p for p in command.params if isinstance(p, click.Option) and p.name in SHARED]
        if shared:
            break
    lines.append("\n## Index options\n")
    lines.append("Every command that opens the index (those marked *index options* below) takes these:\n")
    lines.extend(option_rows(shared))
    lines.append("\n## Commands\n")
    for name, command in listed:
        options = [p for p in command.params if isinstance(p, click.Option) and p.name != "help"]
        own = [o for o in options if o.name not in SHARED]
        lines.append(f"### `{usage(name, command)}`\n")
        lines.append(cell((command.help or "").split("\n\n")[0]) + "\n")
        rest = (command.help or "").split("\n\n")[1:]
        for paragraph in rest:
            lines.append(cell(paragraph) + "\n")
        if len(own) < len(options):
            lines.append("Takes the *index options*.\n")
        if isinstance(command, click.Group):
            lines.append("Commands: " + ", ".join(f"`{name} {sub}`" for sub in sorted(command.commands)) + ".\n")
        if own:
            lines.extend(option_rows(own))
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"


if __name__ == "__main__":
    text = render()
    if "--check" in sys.argv[1:]:
        current = OUT.read_text(encoding="utf-8") if OUT.exists() else ""
        sys.exit(0 if current == text else "docs/CONFIGURATION.md is stale: run docs/scripts/configuration.py")
    OUT.write_text(text, encoding="utf-8")

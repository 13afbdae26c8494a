"""The docs say what the code does: every option documented, every command shown exists, every cited file is there."""

from __future__ import annotations

import importlib.util
import re
import shlex

import click

from tests.conftest import REPO
from ui.cli import main

DOCS = [
    REPO / "README.md",
    REPO / "CONTRIBUTING.md",
    REPO / "CHANGELOG.md",
    REPO / "qa" / "reader" / "MODEL_CARD.md",
    *sorted((REPO / "docs").glob("*.md")),
]


def all_commands(group: click.Group = main, prefix: str = "verbatim") -> dict[str, click.Command]:
    """Every command and subcommand, by its full name (``verbatim eval squad``)."""
    found: dict[str, click.Command] = {}
    for name, command in group.commands.items():
        full = f"{prefix} {name}"
        found[full] = command
        if isinstance(command, click.Group):
            found.update(all_commands(command, full))
    return found


def test_the_configuration_reference_names_every_option_and_environment_variable() -> None:
    reference = (REPO / "docs" / "CONFIGURATION.md").read_text(encoding="utf-8")
    missing: list[str] = []
    for name, command in all_commands().items():
        if f"`{name}" not in reference:
            missing.append(name)
        for param in command.params:
            if not isinstance(param, click.Option):
                continue
            missing.extend(o for o in param.opts + param.secondary_opts if o.startswith("--") and o not in reference)
            envvars = [param.envvar] if isinstance(param.envvar, str) else list(param.envvar or [])
            missing.extend(e for e in envvars if f"`{e}`" not in reference)
    assert missing == []


def test_the_configuration_reference_is_current() -> None:
    """docs/CONFIGURATION.md is what docs/scripts/configuration.py writes from the commands."""
    spec = importlib.util.spec_from_file_location("configuration", REPO / "docs" / "scripts" / "configuration.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    current = (REPO / "docs" / "CONFIGURATION.md").read_text(encoding="utf-8")
    assert current == module.render(), "run: PYTHONPATH=. .venv/bin/python docs/scripts/configuration.py"


def test_readme_names_every_command_and_links_the_reference() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert [name for name in all_commands() if name not in readme] == []
    assert "(docs/CONFIGURATION.md)" in readme


def test_readme_starts_with_the_two_commands_and_stays_a_product_page() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    head = readme[: readme.index("## ", readme.index("make test"))]
    assert "make serve" in head and "make test" in head
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert "make test" in ci
    assert len(readme.splitlines()) <= 300, "measurement detail belongs in docs/EVALUATION.md and docs/BENCHMARKS.md"


def shown_commands(text: str) -> list[list[str]]:
    """Each `verbatim ...` command line in the text's code blocks, as words (continuations joined)."""
    lines: list[list[str]] = []
    for block in re.findall(r"```(?:sh|bash)?\n(.*?)```", text, flags=re.DOTALL):
        for line in block.replace("\\\n", " ").splitlines():
            line = line.split(" #")[0].strip().removeprefix("$ ")
            if line.startswith(("verbatim ", ".venv/bin/verbatim ")):
                lines.append(shlex.split(line.replace("[", "").replace("]", ""))[1:])
    return lines


def test_every_command_the_docs_show_exists_with_its_options() -> None:
    wrong: list[str] = []
    shown = 0
    for path in DOCS:
        for words in shown_commands(path.read_text(encoding="utf-8")):
            shown += 1
            command: click.Command = main
            rest = list(words)
            while isinstance(command, click.Group) and rest and rest[0] in command.commands:
                command = command.commands[rest.pop(0)]
            known = {o for p in command.params if isinstance(p, click.Option) for o in p.opts + p.secondary_opts}
            options = [w.split("=")[0] for w in rest if w.startswith("--")]
            wrong.extend(f"{path.name}: verbatim {' '.join(words)} ({o})" for o in options if o not in known)
    assert shown > 20
    assert wrong == []


CITED = re.compile(r"(?<![\w/.-])((?:docs/(?:results|scripts|screenshots)|tests/data|qa/reader)/[\w./-]*[\w/])")
LINK = re.compile(r"\]\(([^)#:\s]+)\)")


def test_every_file_the_docs_cite_exists() -> None:
    missing: list[str] = []
    for path in DOCS:
        text = path.read_text(encoding="utf-8")
        for cited in CITED.findall(text):
            if "*" not in cited and not (REPO / cited).exists():
                missing.append(f"{path.name}: {cited}")
        for link in LINK.findall(text):
            if not (path.parent / link).exists():
                missing.append(f"{path.name}: ({link})")
    assert missing == []


def test_the_docs_speak_of_versions_and_dates_not_issue_numbers() -> None:
    found = [
        f"{path.name}: {match}"
        for path in DOCS
        for match in re.findall(r"\bissue[ -]?\d+\b", path.read_text(encoding="utf-8"), flags=re.IGNORECASE)
    ]
    assert found == []

"""Each top folder has one role, and imports between them flow one way: ui -> lab -> qa -> fetch -> index.

Inside a package no two modules import each other (not even late, inside a function), and no
module grows past ``MAX_LINES``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.conftest import REPO

# A package may import the packages after it in this order, never those before it. ``fetch`` (feeds
# and pages from the web) builds on ``index``; only ``ui`` uses it.
ORDER = ("ui", "lab", "qa", "fetch", "index")
MAX_LINES = 400
LONGER: set[str] = set()  # modules allowed past the limit, each with its reason


def imported_packages(path: Path) -> set[str]:
    """The project packages a module imports, at the top or inside functions."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found & set(ORDER)


@pytest.mark.parametrize("package", ORDER)
def test_package_imports_only_the_packages_below_it(package: str) -> None:
    allowed = set(ORDER[ORDER.index(package) :])
    upward = {
        str(path.relative_to(REPO)): sorted(imported_packages(path) - allowed)
        for path in sorted((REPO / package).rglob("*.py"))
    }
    assert {name: found for name, found in upward.items() if found} == {}


def module_imports(path: Path, package: str) -> set[str]:
    """The modules of ``package`` that a module imports, at the top or inside functions."""
    modules = {f"{package}.{p.stem}" for p in (REPO / package).glob("*.py")}
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module.startswith(package + "."):
                names.add(node.module)
            elif node.module == package:  # from package import module
                names.update(f"{package}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names if alias.name.startswith(package + "."))
    return names & modules


@pytest.mark.parametrize("package", ORDER)
def test_no_import_cycles_inside_a_package(package: str) -> None:
    graph = {f"{package}.{p.stem}": module_imports(p, package) for p in (REPO / package).glob("*.py")}

    def reaches(start: str, goal: str, seen: set[str]) -> bool:
        return any(nxt == goal or reaches(nxt, goal, seen | {nxt}) for nxt in graph.get(start, set()) - seen)

    assert sorted(m for m in graph if reaches(m, m, set())) == []


def test_no_module_is_longer_than_the_limit() -> None:
    lengths = {
        str(path.relative_to(REPO)): len(path.read_text(encoding="utf-8").splitlines())
        for package in ORDER
        for path in sorted((REPO / package).rglob("*.py"))
    }
    assert {name: n for name, n in lengths.items() if n > MAX_LINES and name not in LONGER} == {}
    assert all(lengths[name] > MAX_LINES for name in LONGER)  # an entry that fits again leaves the list


# A question's path through qa/, one stage per module, in order: a stage imports earlier ones only.
STAGES = (
    "qa.query", "qa.candidates", "qa.passage_ranking", "qa.sentence_ranking", "qa.reading", "qa.decision",
    "qa.citations", "qa.answering",
)  # fmt: skip


def test_the_question_path_runs_one_way_through_its_stages() -> None:
    later = {
        stage: sorted(module_imports(REPO / "qa" / f"{stage.split('.')[1]}.py", "qa") & set(STAGES[i + 1 :]))
        for i, stage in enumerate(STAGES)
    }
    assert {stage: found for stage, found in later.items() if found} == {}
    doc = (REPO / "qa" / "answering.py").read_text(encoding="utf-8")
    assert all(f"``{stage}``" in doc for stage in STAGES[:-1])  # the map a newcomer reads first

"""Tokens are compared in constant time, and a missing or foreign one never matches."""

from __future__ import annotations

import ast

import pytest

from tests.conftest import REPO
from ui.tokens import any_token, presented, same_token


@pytest.mark.parametrize(
    ("given", "expected", "match"),
    [
        ("s3cret", "s3cret", True),
        ("s3cret", "s3cre", False),
        ("", "", False),
        (None, "s3cret", False),
        ("s3cret", None, False),
        ("jeton-é", "jeton-é", True),  # hmac.compare_digest takes str only when ASCII: bytes are compared
        ("jeton-é", "jeton-e", False),
    ],
    ids=["same", "prefix", "both-empty", "none-given", "none-set", "non-ascii", "non-ascii-other"],
)
def test_same_token(given: str | None, expected: str | None, match: bool) -> None:
    assert same_token(given, expected) is match


def test_any_of_several_tokens_and_where_a_request_carries_one() -> None:
    assert any_token("read", "admin", "read") and any_token("admin", "admin", None)
    assert not any_token("other", "admin", "read") and not any_token(None, None, None)
    assert presented("Bearer abc") == "abc" and presented("bearer  abc ", "x") == "abc"
    assert presented(None, "x") == "x" and presented("Basic abc") is None and presented("Bearer ") is None


def _names(node: ast.expr) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)} | {
        n.attr for n in ast.walk(node) if isinstance(n, ast.Attribute)
    }


def test_no_token_is_compared_with_an_equals_sign() -> None:
    """``==`` returns as soon as a character differs: the time would tell how much of a guess was right."""
    found = []
    for path in sorted((REPO / "ui").glob("*.py")):  # where the access tokens live (index/ has words)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Compare) and any(isinstance(op, (ast.Eq, ast.NotEq)) for op in node.ops):
                operands = [node.left, *node.comparators]
                if any("token" in name.lower() for o in operands for name in _names(o)):
                    found.append(f"{path.name}:{node.lineno}")
    assert found == []

"""Token checks shared by the API, the read gate and the page: every comparison in constant time."""

from __future__ import annotations

import hmac


def same_token(given: str | None, expected: str | None) -> bool:
    """Whether ``given`` is ``expected``, compared in constant time (never true when either is missing)."""
    if not given or not expected:
        return False
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


def any_token(given: str | None, *expected: str | None) -> bool:
    """Whether ``given`` is one of ``expected``; each is compared, so the time tells nothing of which matched."""
    matches = [same_token(given, token) for token in expected if token]
    return any(matches)


def presented(authorization: str | None, x_admin_token: str | None = None) -> str | None:
    """The token a request carries: ``Authorization: Bearer TOKEN``, else ``X-Admin-Token``."""
    if authorization and authorization.lower().startswith("bearer "):
        return authorization[7:].strip() or None
    return x_admin_token or None

"""E-mail addresses typed by people (CLI, dashboard): validated, normalised, and never a way into a header.

Only a bare address is accepted: no display name, no angle brackets, no second address after a comma or
semicolon, no line break or other control character (the classic header injection), no quoted local
part. email-validator checks the syntax (RFC 5322/6531) without asking DNS.
"""

from __future__ import annotations

from email_validator import EmailNotValidError, validate_email

from collector.errors import ConfigError

MAX_SHOWN = 80


def shown(text: str) -> str:
    """The value as an error message quotes it: escaped (repr), cut short."""
    quoted = repr(text)
    return quoted if len(quoted) <= MAX_SHOWN else quoted[: MAX_SHOWN - 1] + "…"


def address_problem(text: str) -> str | None:
    """Why `text` cannot be one bare address, before any parsing (None: nothing obviously wrong)."""
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in text):
        return "it contains a line break or another control character"
    if "," in text or ";" in text:
        return "it holds more than one address"
    if any(ch in text for ch in '<>"'):
        return "give the bare address, without a display name, quotes or angle brackets"
    return None


def parse_address(text: str) -> str:
    """`text` as a normalised address (the domain lower-cased), or ConfigError naming the value and why."""
    problem = address_problem(text)
    if problem is None:
        try:
            found = validate_email(
                text.strip(), check_deliverability=False, allow_display_name=False, allow_quoted_local=False
            )
            return str(found.normalized)
        except EmailNotValidError as exc:
            problem = str(exc)
    raise ConfigError(f"{shown(text)} is not a usable e-mail address: {problem}")


def mask(address: str) -> str:
    """An address as pages anyone may open show it: `a…@example.org`."""
    local, _, domain = address.partition("@")
    return f"{local[:1]}…@{domain}"

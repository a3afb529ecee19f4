"""The interface's language: which one a view uses (`?lang=` → the reader's pick this session → the
browser's language → English), the sidebar switch that keeps it in the URL, and `t()`, the one lookup of
every label, help text, empty state and message, from the catalogue `dashboard/locales/<lang>.toml`.

A catalogue value is a `str.format` template with named placeholders (`{email}`); a value that depends
on a count is a table of CLDR plural forms (`{ one = "…", other = "…" }`, chosen by Babel's rules for
the language) and is looked up with `count=`. Values passed in are inserted as they are: Markdown
escaping stays the caller's job.
"""

from __future__ import annotations

import functools
import tomllib
from collections.abc import Mapping
from pathlib import Path

import streamlit as st
from babel import Locale, UnknownLocaleError

LOCALES = Path(__file__).parent / "locales"
DEFAULT = "en"
PARAM = "lang"
CHOSEN = "i18n:chosen"  # session key: the language picked with the switch, put back when a URL loses it
PLURAL_FORMS = frozenset({"zero", "one", "two", "few", "many", "other"})

Entry = str | Mapping[str, str]


@functools.cache
def catalogue(lang: str) -> dict[str, Entry]:
    """`locales/<lang>.toml` with its tables flattened to dotted keys (`subs.title`)."""
    with (LOCALES / f"{lang}.toml").open("rb") as file:
        return flatten(tomllib.load(file))


def flatten(table: Mapping[str, object], prefix: str = "") -> dict[str, Entry]:
    flat: dict[str, Entry] = {}
    for key, value in table.items():
        if isinstance(value, Mapping) and not is_plural(value):
            flat.update(flatten(value, f"{prefix}{key}."))
        else:
            flat[prefix + key] = value  # type: ignore[assignment]  # a str or a plural table
    return flat


def is_plural(value: Mapping[str, object]) -> bool:
    return "other" in value and set(value) <= PLURAL_FORMS


@functools.cache
def languages() -> dict[str, str]:
    """Every catalogue's code → its language's own name (English first, then by code)."""
    codes = sorted((p.stem for p in LOCALES.glob("*.toml")), key=lambda c: (c != DEFAULT, c))
    return {code: str(catalogue(code)["language.name"]) for code in codes}


def browser_language(locale: str | None) -> str | None:
    """`zh-CN`, `zh-Hans-TW`, `en_GB` → `zh`, `zh`, `en`; None when unknown or not a catalogue."""
    try:
        code = Locale.parse((locale or "").replace("_", "-"), sep="-").language
    except (ValueError, TypeError, UnknownLocaleError):
        return None
    return code if code in languages() else None


def pick(param: str | None, chosen: str | None, locale: str | None) -> str:
    """The URL's language, else the one picked this session, else the browser's, else English."""
    for lang in (param, chosen, browser_language(locale)):
        if lang in languages():
            return str(lang)
    return DEFAULT


def current() -> str:
    return pick(st.query_params.get(PARAM), st.session_state.get(CHOSEN), st.context.locale)


def t(key: str, **values: object) -> str:
    """The text of `key` in the current language; with `count=`, its plural form for that count."""
    return text(current(), key, **values)


def text(lang: str, key: str, **values: object) -> str:
    entry = catalogue(lang).get(key) or catalogue(DEFAULT)[key]
    if not isinstance(entry, str):
        form = Locale.parse(lang).plural_form(values["count"])  # type: ignore[arg-type]
        entry = entry.get(form, entry["other"])
    return entry.format(**values)


def names(en: str, zh: str) -> str:
    """A roadmap name given in both languages, the current language's first (`LoRA · 低秩适配`); once when
    the two agree but for case and spacing ("Vision Transformer (ViT)")."""
    first, second = (zh, en) if current() == "zh" else (en, zh)
    same = " ".join(first.split()).casefold() == " ".join(second.split()).casefold()
    return first if same or not second else f"{first} · {second}"


def key(name: str) -> str:
    """A widget key for a widget whose option labels are translated. Streamlit keeps a choice as its label,
    so after a switch the old label matches no option (a radio shows nothing chosen, a selectbox returns the
    stale label); a key per language starts the widget afresh from the URL. English keeps the plain key."""
    lang = current()
    return name if lang == DEFAULT else f"{name}@{lang}"


def switch() -> str:
    """The sidebar's language switch. The choice lives in `?lang=` (every other parameter is kept) and in
    the session, so a page whose URL dropped it still opens in the language picked."""
    lang = current()
    if PARAM not in st.query_params and CHOSEN in st.session_state:
        st.query_params[PARAM] = lang  # restore the shareable URL
    st.session_state["url:lang"] = lang  # follow the URL (a shared link, the browser's back button)
    st.sidebar.radio(t("sidebar.language"), list(languages()), format_func=languages().__getitem__,
                     horizontal=True, key="url:lang", on_change=remember)  # fmt: skip
    return lang


def remember() -> None:
    st.session_state[CHOSEN] = st.query_params[PARAM] = st.session_state["url:lang"]

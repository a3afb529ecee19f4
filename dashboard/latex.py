"""LaTeX markup in titles and abstracts read as the text it stands for (pure): `\\textit{x}` → x,
`$O(n^2)$` → O(n²), `\\alpha` → α, `\\href{url}{text}` → text. A command it does not know is left as
written, so no word of the text is lost; text without markup (MARKUP) is returned as it is.

Libraries were tried first, on the 1,879 abstracts with markup of the 12k-paper corpus: pylatexenc took
20 ms an abstract (a page of cards would spend 0.4 s on it), raised on `\\href{…}{…}` and read the bare %
of "5%" as a comment, dropping the rest of the sentence; unicodeit turned `\\log` into "łog" and `\\left`
into "≤ft". Abstracts use a few dozen commands; a scanner over those is fast and loses nothing.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache


def words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Commands whose argument is the text (styles, fonts, boxes, accents over a symbol, footnotes).
STYLES = words(
    "textit textbf emph texttt textsc textrm textsf textup textsl textnormal underline uline mbox hbox "
    "mathrm mathbf mathit mathsf mathtt mathcal mathbb mathfrak mathscr boldsymbol bm text operatorname "
    "textmd overline widehat widetilde hat tilde bar vec dot acute footnote textsuperscript textsubscript"
)
# Commands whose argument is not text: citations, labels, colours, environments' names.
DROPPED_ARGUMENT = words("cite citep citet citealp ref eqref label color begin end vspace hspace")
# Declarations and sizing that change how text looks, not what it says.
DECLARATIONS = words(
    "em it bf tt sc rm sf bfseries itshape ttfamily scshape normalfont small large Large huge footnotesize "
    "normalsize centering noindent left right big Big bigl bigr Bigl Bigr displaystyle textstyle limits "
    "nolimits nonumber"
)
GREEK = (
    "alpha beta gamma delta epsilon varepsilon zeta eta theta vartheta iota kappa lambda mu nu xi pi varpi"
)
GREEK += " rho varrho sigma varsigma tau upsilon phi varphi chi psi omega Gamma Delta Theta Lambda Xi Pi"
GREEK += " Sigma Upsilon Phi Psi Omega"
# fmt: off
SYMBOLS = {
    **dict(zip(GREEK.split(" "), "αβγδϵεζηθϑικλμνξπϖρϱσςτυϕφχψωΓΔΘΛΞΠΣΥΦΨΩ", strict=True)),
    "times": "×", "cdot": "·", "div": "÷", "pm": "±", "mp": "∓", "leq": "≤", "le": "≤", "geq": "≥",
    "ge": "≥", "neq": "≠", "ne": "≠", "approx": "≈", "sim": "~", "simeq": "≃", "equiv": "≡", "propto": "∝",
    "ll": "≪", "gg": "≫", "infty": "∞", "partial": "∂", "nabla": "∇", "sum": "∑", "prod": "∏", "int": "∫",
    "in": "∈", "notin": "∉", "subset": "⊂", "subseteq": "⊆", "cup": "∪", "cap": "∩", "forall": "∀",
    "exists": "∃", "emptyset": "∅", "to": "→", "rightarrow": "→", "leftarrow": "←", "Rightarrow": "⇒",
    "leftrightarrow": "↔", "mapsto": "↦", "uparrow": "↑", "downarrow": "↓", "ell": "ℓ", "top": "⊤",
    "circ": "∘", "star": "⋆", "ast": "∗", "dagger": "†", "ldots": "…", "dots": "…", "cdots": "⋯",
    "textasciitilde": "~", "textbackslash": "\\", "textendash": "–", "textemdash": "—", "item": "•",
    "log": "log", "exp": "exp", "max": "max", "min": "min", "arg": "arg", "sin": "sin", "cos": "cos",
    "deg": "°", "degree": "°", "quad": " ", "qquad": " ", "LaTeX": "LaTeX", "TeX": "TeX", "eg": "e.g.",
    "ie": "i.e.", "etal": "et al.", "vs": "vs.", "textregistered": "®", "texttrademark": "™",
    "langle": "⟨", "rangle": "⟩", "mid": "|", "wedge": "∧", "vee": "∨", "neg": "¬", "oplus": "⊕",
    "otimes": "⊗", "odot": "⊙", "prime": "′", "checkmark": "✓", "ln": "ln", "lim": "lim", "sup": "sup",
    "inf": "inf", "det": "det", "tanh": "tanh", "lceil": "⌈", "rceil": "⌉", "lfloor": "⌊", "rfloor": "⌋",
}
# One-character commands: escaped specials, spacing, line breaks.
ESCAPES = {
    "%": "%", "&": "&", "#": "#", "_": "_", "$": "$", "{": "{", "}": "}", ",": " ", ";": " ", ":": " ",
    "!": "", " ": " ", "\\": " ", "|": "‖", "/": "",
}
# Accent commands and the combining mark each puts on the next letter (\"o → ö, \c{c} → ç).
ACCENTS = {
    '"': "\u0308", "'": "\u0301", "`": "\u0300", "^": "\u0302", "~": "\u0303", "=": "\u0304", ".": "\u0307",
    "u": "\u0306", "v": "\u030c", "H": "\u030b", "c": "\u0327", "k": "\u0328", "r": "\u030a",
}
# fmt: on
SUPERSCRIPTS = dict(zip("0123456789+-=()nikTtd", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ⁿⁱᵏᵀᵗᵈ", strict=True))
SUBSCRIPTS = dict(zip("0123456789+-=()aeijklmnoprstuvx", "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ₐₑᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓ", strict=True))
# What says a text is written in LaTeX: a command, a dollar, a tie between words, TeX's opening quotes.
MARKUP = re.compile(r"\\[A-Za-z%&#_${}\"'`^~,;:!\\ ]|\$|(?<=\w)~(?=\S)|``")
MATH = re.compile(
    r"(?<!\\)\$\$(.+?)(?<!\\)\$\$|(?<!\\)\$(.+?)(?<!\\)\$|\\\((.+?)\\\)|\\\[(.+?)\\\]", re.DOTALL
)
# Where the next piece that is not plain text may start, in text and in math.
SPECIAL = {False: re.compile(r"[\\{}~`']"), True: re.compile(r"[\\{}~^_]")}
UNESCAPED_DOLLAR = re.compile(r"(?<!\\)\$")
SPACES = re.compile(r"\s+")


@lru_cache(maxsize=4096)
def latex_to_text(text: str) -> str:
    """`text` with its LaTeX markup read as text, whitespace collapsed to single spaces."""
    if not MARKUP.search(text):
        return SPACES.sub(" ", text).strip()
    if len(UNESCAPED_DOLLAR.findall(text)) % 2:  # a lone $ is money ("$5 million"), not math
        text = UNESCAPED_DOLLAR.sub(r"\\$", text)
    pieces, start = [], 0
    for found in MATH.finditer(text):
        pieces += [Scanner(text[start : found.start()]).read(), Scanner(found_math(found), math=True).read()]
        start = found.end()
    pieces.append(Scanner(text[start:]).read())
    return SPACES.sub(" ", "".join(pieces)).strip()


def found_math(found: re.Match[str]) -> str:
    return next(group for group in found.groups() if group is not None)


class Scanner:
    """Reads one stretch of text (or of math) from left to right, command by command."""

    def __init__(self, text: str, math: bool = False) -> None:
        self.text, self.math, self.at = text, math, 0

    def read(self) -> str:
        out, special = [], SPECIAL[self.math]
        while self.at < len(self.text):
            found = special.search(self.text, self.at)
            end = found.start() if found else len(self.text)
            out.append(self.text[self.at : end])
            self.at = end
            if found:
                out.append(self.next_piece())
        return "".join(out)

    def next_piece(self) -> str:
        char = self.take()
        if char == "\\":
            return self.command()
        if char in "{}":
            return ""  # grouping
        if char == "~":
            return " "  # a tie
        if self.math and char in "^_":
            return script(self.argument(), SUPERSCRIPTS if char == "^" else SUBSCRIPTS, char)
        if not self.math and char in "`'" and self.peek() == char:
            self.take()
            return "“" if char == "`" else "”"
        return char

    def take(self) -> str:
        char = self.text[self.at : self.at + 1]
        self.at += 1
        return char

    def peek(self) -> str:
        return self.text[self.at : self.at + 1]

    def command(self) -> str:
        name = self.name()
        if not name:
            return "\\"  # a trailing backslash
        if name in ACCENTS and (len(name) == 1 and not name.isalpha() or self.peek() == "{"):
            return accented(self.argument(), ACCENTS[name])
        if name in ESCAPES:
            return ESCAPES[name]
        return self.known(name)

    def name(self) -> str:
        if not self.peek().isalpha() or not self.peek().isascii():
            return self.take()
        start = self.at
        while self.peek().isalpha() and self.peek().isascii():
            self.at += 1
        return self.text[start : self.at]

    def known(self, name: str) -> str:
        if name in SYMBOLS:
            return SYMBOLS[name]
        if name in STYLES:
            return Scanner(self.argument(), self.math).read()
        if name in DECLARATIONS:
            return ""
        if name in DROPPED_ARGUMENT:
            self.argument()
            return ""
        return self.structure(name)

    def structure(self, name: str) -> str:
        """Commands with two arguments or an optional one; anything else is left as written."""
        if name in ("href", "hyperlink", "textcolor", "colorbox"):
            self.argument()  # the URL or the colour
            return Scanner(self.argument(), self.math).read()
        if name == "url":
            return self.argument()
        if name == "frac":
            top, bottom = (Scanner(self.argument(), self.math).read() for _ in range(2))
            return f"{grouped(top)}/{grouped(bottom)}"
        if name == "sqrt":
            self.optional()
            return "√" + grouped(Scanner(self.argument(), self.math).read())
        if self.peek() == "{":  # unknown, with an argument: both as written
            return f"\\{name}{{{Scanner(self.argument(), self.math).read()}}}"
        return "\\" + name

    def argument(self) -> str:
        """The next braced group's inside (braces balanced), or the next character."""
        while self.peek() == " ":
            self.at += 1
        if self.peek() != "{":
            return self.take() if self.peek() != "\\" else "\\" + self.name()
        depth, start = 0, self.at
        while self.at < len(self.text):
            char = self.take()
            if char == "\\":
                self.at += 1  # an escaped brace does not count
            elif char in "{}":
                depth += 1 if char == "{" else -1
                if depth == 0:
                    return self.text[start + 1 : self.at - 1]
        return self.text[start + 1 :]  # unbalanced: the rest

    def optional(self) -> str:
        if self.peek() != "[":
            return ""
        end = self.text.find("]", self.at)
        end = len(self.text) if end < 0 else end
        inside, self.at = self.text[self.at + 1 : end], end + 1
        return inside


def script(inside: str, table: dict[str, str], mark: str) -> str:
    """x^2 → x², x_i → xᵢ where Unicode has every character; else x^(…) as written in plain text."""
    text = Scanner(inside, math=True).read()
    if text and all(ch in table for ch in text):
        return "".join(table[ch] for ch in text)
    return mark + grouped(text)


def grouped(text: str) -> str:
    """`text`, in parentheses when it is more than one word or symbol."""
    return text if len(text) <= 1 or text.isalnum() else f"({text})"


def accented(letter: str, mark: str) -> str:
    return unicodedata.normalize("NFC", letter + mark) if letter else ""

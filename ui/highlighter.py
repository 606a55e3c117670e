"""Syntax colours from pygments tokens, applied by a Qt syntax highlighter."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtGui import QColor, QFont, QSyntaxHighlighter, QTextCharFormat, QTextDocument

if TYPE_CHECKING:
    from pygments.lexer import Lexer
    from pygments.token import _TokenType

# A pygments token type is a tuple of its names (Token.Name.Tag == ("Name", "Tag")): the
# style is keyed by those tuples, so pygments is imported when the first editor is made,
# not when the app starts.
STYLE: dict[tuple[str, ...], tuple[str, bool]] = {
    ("Keyword",): ("#1d4ed8", True),
    ("Name", "Builtin"): ("#7c3aed", False),
    ("Name", "Tag"): ("#7c2d12", False),  # JSON keys
    ("Literal", "String"): ("#15803d", False),
    ("Literal", "String", "Symbol"): ("#7c2d12", False),  # "quoted" identifiers in SQL
    ("Literal", "Number"): ("#b45309", False),
    ("Keyword", "Constant"): ("#7c3aed", True),
    ("Comment",): ("#6b7280", False),
    ("Operator",): ("#374151", False),
    ("Error",): ("#b91c1c", False),
}


def _format_for(token: _TokenType, cache: dict[_TokenType, QTextCharFormat | None]
                ) -> QTextCharFormat | None:
    if token in cache:
        return cache[token]
    found = None
    t: Any = token
    while t is not None:
        if t in STYLE:
            colour, bold = STYLE[t]
            found = QTextCharFormat()
            found.setForeground(QColor(colour))
            if bold:
                found.setFontWeight(QFont.Weight.Bold)
            break
        t = t.parent
    cache[token] = found
    return found


class PygmentsHighlighter(QSyntaxHighlighter):
    """Colours each line of a document by the tokens a pygments lexer finds in it."""

    def __init__(self, document: QTextDocument, lexer: Lexer) -> None:
        super().__init__(document)
        self.lexer = lexer
        self._formats: dict[_TokenType, QTextCharFormat | None] = {}

    def highlightBlock(self, text: str) -> None:
        position = 0
        for token, value in self.lexer.get_tokens(text):
            if value == "\n" and position >= len(text):
                break
            fmt = _format_for(token, self._formats)
            if fmt is not None:
                self.setFormat(position, len(value), fmt)
            position += len(value)

    def token_at(self, text: str, position: int) -> _TokenType | None:
        """The token type covering `position` in `text` (for tests and tooltips)."""
        at = 0
        for token, value in self.lexer.get_tokens(text):
            if at <= position < at + len(value):
                return token
            at += len(value)
        return None


def partiql_highlighter(document: QTextDocument) -> PygmentsHighlighter:
    """PartiQL is SQL-shaped: pygments' SQL lexer colours its keywords and literals."""
    from pygments.lexers import SqlLexer

    return PygmentsHighlighter(document, SqlLexer(stripnl=False, ensurenl=False))


def json_highlighter(document: QTextDocument) -> PygmentsHighlighter:
    from pygments.lexers import JsonLexer

    return PygmentsHighlighter(document, JsonLexer(stripnl=False, ensurenl=False))

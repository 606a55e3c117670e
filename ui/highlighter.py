"""Syntax colours from pygments tokens, applied by a Qt syntax highlighter."""

from __future__ import annotations

from typing import Any

from pygments.lexer import Lexer
from pygments.lexers import JsonLexer, SqlLexer
from pygments.token import Token, _TokenType
from PySide6.QtGui import QColor, QFont, QSyntaxHighlighter, QTextCharFormat, QTextDocument

STYLE: dict[_TokenType, tuple[str, bool]] = {
    Token.Keyword: ("#1d4ed8", True),
    Token.Name.Builtin: ("#7c3aed", False),
    Token.Name.Tag: ("#7c2d12", False),  # JSON keys
    Token.Literal.String: ("#15803d", False),
    Token.Literal.String.Symbol: ("#7c2d12", False),  # "quoted" identifiers in SQL
    Token.Literal.Number: ("#b45309", False),
    Token.Keyword.Constant: ("#7c3aed", True),
    Token.Comment: ("#6b7280", False),
    Token.Operator: ("#374151", False),
    Token.Error: ("#b91c1c", False),
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
    return PygmentsHighlighter(document, SqlLexer(stripnl=False, ensurenl=False))


def json_highlighter(document: QTextDocument) -> PygmentsHighlighter:
    return PygmentsHighlighter(document, JsonLexer(stripnl=False, ensurenl=False))

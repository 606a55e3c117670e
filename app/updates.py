"""Update expressions (``SET`` and ``REMOVE`` only) rendered with shared placeholders.

An editor write never uses ``ADD`` or ``DELETE``: they are not idempotent, so a request
botocore retries after a lost response could apply twice. ``SET path = :value`` and
``REMOVE path`` can be repeated safely.

    >>> r = Renderer()
    >>> Update(sets=((Path.attr("status"), Value.of("PAID")),),
    ...        removes=(Path.attr("coupon"),)).render(r)
    'SET #n0 = :v0 REMOVE #n1'
"""

from __future__ import annotations

from dataclasses import dataclass

from app.expressions import MAX_EXPRESSION_BYTES, Path, Renderer, SpecError, Value


@dataclass(frozen=True)
class Update:
    """An UpdateExpression: paths to set to a value and paths to remove."""

    sets: tuple[tuple[Path, Value], ...] = ()
    removes: tuple[Path, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "sets", tuple(self.sets))
        object.__setattr__(self, "removes", tuple(self.removes))
        paths = [p for p, _ in self.sets] + list(self.removes)
        for i, a in enumerate(paths):
            for b in paths[:i]:
                if a.overlaps(b):
                    raise SpecError(f"The update touches {b} and {a}, which overlap; "
                                    "DynamoDB refuses that.", "Change only the outer path.")

    def __bool__(self) -> bool:
        return bool(self.sets or self.removes)

    def render(self, r: Renderer) -> str:
        if not self:
            raise SpecError("An update needs at least one path to set or remove.")
        clauses = []
        if self.sets:
            clauses.append("SET " + ", ".join(f"{r.path(p)} = {r.value(v)}"
                                              for p, v in self.sets))
        if self.removes:
            clauses.append("REMOVE " + ", ".join(r.path(p) for p in self.removes))
        text = " ".join(clauses)
        size = len(text.encode("utf-8"))
        if size > MAX_EXPRESSION_BYTES:
            raise SpecError(f"The update expression is {size:,} bytes long; DynamoDB allows "
                            f"at most {MAX_EXPRESSION_BYTES:,}.",
                            "Change fewer attributes in one save.")
        return text

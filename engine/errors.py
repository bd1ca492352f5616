"""The engine's own exceptions. Each means "the input is wrong" and carries what a
student needs to fix it; the API answers any of them with a 422 and its ``detail()``.
Any other exception is a bug in backproplab, never the user's fault."""

from __future__ import annotations


class InputError(ValueError):
    """Bad input, with a message a student can act on (and, for limits, the limit's name)."""

    def __init__(self, message: str, limit: str | None = None):
        super().__init__(message)
        self.message = message
        self.limit = limit

    def detail(self) -> dict:
        out = {"message": self.message}
        if self.limit:
            out["limit"] = self.limit
        return out


def shorten(text: str, most: int = 60) -> str:
    """``text`` quoted in a message: its middle replaced by … when longer than ``most``
    (a literal of 400 digits would otherwise fill the error box)."""
    return text if len(text) <= most else f"{text[: most // 2 - 1]}…{text[-(most // 2 - 1):]}"

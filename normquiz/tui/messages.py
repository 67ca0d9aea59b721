"""App-level messages: the app tells its screens when the question bank changed."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.message import Message

if TYPE_CHECKING:  # the bank is imported after the first frame
    from normquiz.bank import LoadResult


class BankLoaded(Message):
    """The question files were (re)loaded; ``reloaded`` is False for the first load."""

    def __init__(self, bank: LoadResult, *, reloaded: bool) -> None:
        super().__init__()
        self.bank = bank
        self.reloaded = reloaded

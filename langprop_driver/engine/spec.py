"""The function a policy learns: its name, arguments and the documentation the LLM reads."""

from __future__ import annotations

import keyword

from pydantic import ConfigDict, model_validator
from pydantic.dataclasses import dataclass

from leaderboard_adapter.settings import one_line_errors


@dataclass(frozen=True, config=ConfigDict(extra="forbid"))
class FunctionSpec:
    """One named Python function with its positional arguments and documentation.

    ``doc`` says what the function must do, what each argument holds and what it returns;
    it is shown to the LLM verbatim.
    """

    name: str
    args: tuple[str, ...]
    doc: str

    @model_validator(mode="after")
    def _a_function_to_write(self) -> FunctionSpec:
        for identifier in (self.name, *self.args):
            if not identifier.isidentifier() or keyword.iskeyword(identifier):
                raise ValueError(f"{identifier!r} is not a valid Python identifier")
        if len(set(self.args)) != len(self.args):
            raise ValueError(f"argument names must be distinct, got {self.args}")
        if not self.doc.strip():
            raise ValueError("doc must describe the function for the LLM")
        return self

    _one_line = model_validator(mode="wrap")(classmethod(one_line_errors))

    @property
    def signature(self) -> str:
        """The ``def`` line, e.g. ``def solve(grid):``."""
        return f"def {self.name}({', '.join(self.args)}):"

    @property
    def spread_args(self) -> bool:
        """Whether a sample's input is a tuple of arguments (several arguments) or the argument itself."""
        return len(self.args) != 1

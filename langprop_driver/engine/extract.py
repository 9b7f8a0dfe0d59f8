"""Code extraction from an LLM answer: the fenced block that defines the wanted function wins."""

from __future__ import annotations

import re

_FENCE = re.compile(r"^[ \t]*```[ \t]*([\w+-]*)[^\n]*\n(.*?)^[ \t]*```", re.DOTALL | re.MULTILINE)
_CODE_LANGUAGES = {"", "python", "py", "python3"}


class NoCodeError(ValueError):
    """The answer holds no code at all."""


def extract_code(answer: str, function_name: str) -> str:
    """Return the code of ``answer`` most likely to be the candidate for ``function_name``.

    Preference: the last fenced block that defines ``def function_name(``; else the longest fenced
    Python block; else the whole answer when it defines the function with no fences at all.
    Raises :class:`NoCodeError` when there is nothing that looks like code.
    """
    blocks = [body for language, body in _FENCE.findall(answer) if language.lower() in _CODE_LANGUAGES]
    defines = re.compile(rf"^def\s+{re.escape(function_name)}\s*\(", re.MULTILINE)
    defining = [block for block in blocks if defines.search(block)]
    if defining:
        return defining[-1].strip("\n") + "\n"
    if blocks:
        return max(blocks, key=len).strip("\n") + "\n"
    if defines.search(answer):
        return answer.strip("\n") + "\n"
    raise NoCodeError(f"the answer holds no code block and no `def {function_name}(`")

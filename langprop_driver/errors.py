"""The error every user-facing failure of the LangProp driver derives from, so the CLI can report it plainly."""

from __future__ import annotations

from collections.abc import Callable
from types import UnionType
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import ValidationError


class LangPropDriveError(Exception):
    """A problem the user can fix (policy, training settings, LLM endpoint, run folder, flag); the message names it."""


def validation_message(error: ValidationError, model: type) -> str:
    """One line for a pydantic `ValidationError` of `model`: each bad field, its problem and the value given.

    `name must be int, got 'many'`, `beta must be in [0, 1], got 2`, `unknown setting(s) x, y; known: ...`;
    validators raise `ValueError`s whose text follows the field's name (or starts with it). A positional argument
    is named by its field.
    """
    known = list(model.__pydantic_fields__)
    problems, unknown = [], []
    for item in error.errors(include_url=False):
        path = list(item["loc"])
        if path and isinstance(path[0], int) and 0 <= path[0] < len(known):  # a positional argument
            path[0] = known[path[0]]
        loc = ".".join(str(part) for part in path)
        kind, ctx, given = item["type"], item.get("ctx", {}), item.get("input")
        if kind in ("extra_forbidden", "unexpected_keyword_argument"):
            unknown.append(loc)
        elif kind in ("missing", "missing_argument", "missing_keyword_only_argument"):
            problems.append(f"{loc} is missing")
        elif kind in ("value_error", "assertion_error"):
            problems.append(text if (text := str(ctx["error"])).startswith(loc) else f"{loc} {text}")
        elif kind in _BOUNDS:
            problems.append(f"{loc} must be {_BOUNDS[kind]} {ctx[_BOUND_KEYS[kind]]:g}, got {given!r}")
        elif kind == "finite_number":
            problems.append(f"{loc} must be a finite number, got {given!r}")
        elif kind == "literal_error":
            problems.append(f"{loc} must be one of {ctx['expected']}, got {given!r}")
        elif kind.endswith(("_type", "_parsing")) and path and path[0] in model.__pydantic_fields__:
            problems.append(f"{loc} must be {_type_name(model.__pydantic_fields__[path[0]].annotation)}, got {given!r}")
        else:
            problems.append(f"{loc}: {item['msg']}, got {given!r}" if loc else item["msg"])
    if unknown:
        problems.insert(0, f"unknown setting(s) {', '.join(sorted(unknown))}; known: {', '.join(known)}")
    return "; ".join(problems)


_BOUNDS = {"greater_than": ">", "greater_than_equal": ">=", "less_than": "<", "less_than_equal": "<="}
_BOUND_KEYS = {"greater_than": "gt", "greater_than_equal": "ge", "less_than": "lt", "less_than_equal": "le"}


def _type_name(annotation: object) -> str:
    """`int`, `float | None`, `dict[str, Any]`: an annotation as written, without its constraints."""
    origin, args = get_origin(annotation), get_args(annotation)
    if origin is Annotated:
        return _type_name(args[0])
    if origin in (Union, UnionType):
        return " | ".join("None" if arg is type(None) else _type_name(arg) for arg in args)
    if isinstance(annotation, type) and not args:
        return annotation.__name__
    return str(annotation).replace("typing.", "")


def one_line_errors(cls: type, values: Any, handler: Callable[[Any], Any]) -> Any:
    """A pydantic wrap validator (`model_validator(mode="wrap")(classmethod(one_line_errors))`) that turns every
    error of a model into one `ValueError` of `validation_message`, so that even a model made in code says
    `beta must be in [0, 1], got 2` rather than pydantic's multi-line report."""
    try:
        return handler(values)
    except ValidationError as error:
        raise ValueError(validation_message(error, cls)) from None


def one_line(error: BaseException) -> str:
    """An exception's text in one line: a pydantic `ValidationError` as its validators' messages (or each field
    and pydantic's words), joined by '; '; any other exception as `str(error)`."""
    if not isinstance(error, ValidationError):
        return str(error)
    return "; ".join(
        str(item["ctx"]["error"]) if item["type"] == "value_error"
        else f"{'.'.join(map(str, item['loc']))}: {item['msg']}, got {item.get('input')!r}"
        for item in error.errors(include_url=False)
    )  # fmt: skip

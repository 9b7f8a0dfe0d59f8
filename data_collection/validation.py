"""Pydantic errors of the buffer's records as one line: `ShardHeader.seed must be of type int, got '7'`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, get_args, get_origin

from pydantic import ValidationError

_BOUNDS = {"greater_than": ("gt", ">"), "greater_than_equal": ("ge", ">="), "less_than": ("lt", "<"),
           "less_than_equal": ("le", "<=")}  # fmt: skip


def validation_message(error: ValidationError, model: type) -> str:
    """Each bad field of `model` as `Model.field problem, got value`, joined by '; '.

    Validators raise `ValueError`s whose text follows the field's name, or starts with it (a key path).
    """
    fields = model.__pydantic_fields__
    problems = []
    for item in error.errors(include_url=False):
        loc = ".".join(str(part) for part in item["loc"])
        kind, ctx, given = item["type"], item.get("ctx", {}), item.get("input")
        if kind in ("extra_forbidden", "unexpected_keyword_argument"):
            problem = f"{loc} is not a field"
        elif kind in ("missing", "missing_argument", "missing_keyword_only_argument"):
            problem = f"{loc} is missing"
        elif kind == "value_error":
            problem = text if (text := str(ctx["error"])).startswith(loc) else f"{loc} {text}"
        elif kind in _BOUNDS:
            key, sign = _BOUNDS[kind]
            problem = f"{loc} must be {sign} {ctx[key]:g}, got {given!r}"
        elif kind == "literal_error":
            problem = f"{loc} must be one of {ctx['expected']}, got {given!r}"
        elif kind.endswith("_type") and item["loc"] and item["loc"][0] in fields:
            problem = f"{loc} must be of type {_type_name(fields[item['loc'][0]].annotation)}, got {given!r}"
        else:
            problem = f"{loc}: {item['msg']}, got {given!r}"
        problems.append(problem if not loc or problem.startswith(model.__name__) else f"{model.__name__}.{problem}")
    return "; ".join(problems)


def one_line_errors(cls: type, values: Any, handler: Callable[[Any], Any]) -> Any:
    """A pydantic wrap validator (`model_validator(mode="wrap")(classmethod(one_line_errors))`): every error of
    a record made in code or read from a shard becomes one `ValueError` of `validation_message`."""
    try:
        return handler(values)
    except ValidationError as error:
        raise ValueError(validation_message(error, cls)) from None


def _type_name(annotation: object) -> str:
    """`int`, `dict[str, Any]`: an annotation as written, without its constraints."""
    origin, args = get_origin(annotation), get_args(annotation)
    if origin is Annotated:
        return _type_name(args[0])
    if isinstance(annotation, type) and not args:
        return annotation.__name__
    return str(annotation).replace("typing.", "")

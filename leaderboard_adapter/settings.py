"""The conventions of every settings class: pydantic dataclasses that refuse unknown fields, and errors as one line.

A settings or parameter class is `pydantic.dataclasses.dataclass(frozen=True, config=SETTINGS)` (or
`STRICT_SETTINGS` where an int must not pass for a bool, nor a string or a bool for a number): ranges are `Field`
constraints (`Annotated[float, Field(gt=0)]`), rules of one field that a constraint cannot say are
`AfterValidator`s (`must_be` words them), rules across fields are `model_validator`s, and `one_line_validator()`
turns every error into one `ValueError` line of `validation_message`, naming the field and the value given:
`EgoParams.max_brake_mps2 must be > 0, got 0.0`. Pydantic's `ValidationError` is a `ValueError`.

Every package (the expert, the buffer, the LangProp driver) takes these from here, the bottom layer.
"""

from __future__ import annotations

from collections.abc import Callable
from types import UnionType
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import AfterValidator, ConfigDict, ValidationError, model_validator

SETTINGS = ConfigDict(extra="forbid")
"""Settings made in code: an unknown field is an error; values are converted where pydantic's lax mode does
(an int to a float)."""

STRICT_SETTINGS = ConfigDict(extra="forbid", strict=True)
"""Settings read from files or flags, and parameters whose types are part of the contract: an int is a float
(converted), a bool, a string or a numpy int is neither; a field typed with a class takes an instance only."""

_BOUNDS = {"greater_than": ("gt", ">"), "greater_than_equal": ("ge", ">="), "less_than": ("lt", "<"),
           "less_than_equal": ("le", "<=")}  # fmt: skip
_MISSING = ("missing", "missing_argument", "missing_keyword_only_argument")
_UNKNOWN = ("extra_forbidden", "unexpected_keyword_argument")
_INSTANCE = ("dataclass_exact_type", "dataclass_type", "is_instance_of", "model_type")
"""Errors of a field typed with a class: the class of the value given is named, not the value."""


def validation_message(
    error: ValidationError,
    model: type,
    *,
    type_phrase: str = "must be",
    unknown_field: str | None = None,
    qualify: bool = False,
) -> str:
    """One line for a pydantic `ValidationError` of `model`: each bad field, its problem and the value given, by '; '.

    `name must be int, got 'many'`, `beta must be in [0, 1], got 2`, `pid must be PIDParams, got tuple`; validators
    raise `ValueError`s whose text follows the field's name (or starts with it: a key path). A positional argument
    is named by its field. The style:
    - `type_phrase` introduces a wrong type (`must be` int, `must be of type` int);
    - `unknown_field`: None gathers unknown fields first, `unknown setting(s) x, y; known: a, b, c`; a text reports
      each in place, `x <unknown_field>` (e.g. `is not a field of schema version 1`);
    - `qualify`: each field's problem starts with the class's name, `ShardHeader.seed must be ...`.
    """
    fields = model.__pydantic_fields__
    names = list(fields)
    problems, unknown = [], []
    for item in error.errors(include_url=False):
        path = [_field_name(part, names) if i == 0 else part for i, part in enumerate(item["loc"])]
        loc = ".".join(str(part) for part in path)
        kind, ctx, given = item["type"], item.get("ctx", {}), item.get("input")
        if kind in _UNKNOWN and unknown_field is None:
            unknown.append(loc)
            continue
        if kind in _UNKNOWN:
            problem = f"{loc} {unknown_field}"
        elif kind in _MISSING:
            problem = f"{loc} is missing"
        elif kind in ("value_error", "assertion_error"):
            problem = text if (text := str(ctx["error"])).startswith(loc) else f"{loc} {text}"
        elif kind in _BOUNDS:
            key, sign = _BOUNDS[kind]
            problem = f"{loc} must be {sign} {ctx[key]:g}, got {given!r}"
        elif kind == "finite_number":
            problem = f"{loc} must be a finite number, got {given!r}"
        elif kind == "literal_error":
            problem = f"{loc} must be one of {ctx['expected']}, got {given!r}"
        elif kind in _INSTANCE:  # no loc: a nested class's own one-line validator reports it, the field's name follows
            wanted = f"must be {ctx.get('class_name') or ctx.get('class')}, got {type(given).__name__}"
            problem = f"{loc} {wanted}" if loc else wanted
        elif kind.endswith(("_type", "_parsing")) and path and path[0] in fields:
            problem = f"{loc} {type_phrase} {_type_name(fields[path[0]].annotation)}, got {given!r}"
        else:
            problem = f"{loc}: {item['msg']}, got {given!r}" if loc else item["msg"]
        qualified = qualify and loc and not problem.startswith(model.__name__)
        problems.append(f"{model.__name__}.{problem}" if qualified else problem)
    if unknown:
        problems.insert(0, f"unknown setting(s) {', '.join(sorted(unknown))}; known: {', '.join(names)}")
    return "; ".join(problems)


def one_line_errors(cls: type, values: Any, handler: Callable[[Any], Any], **style: Any) -> Any:
    """A pydantic wrap validator (`model_validator(mode="wrap")(classmethod(one_line_errors))`) that turns every
    error of a model into one `ValueError` of `validation_message` in `style`, so that even a model made in code
    says `beta must be in [0, 1], got 2` rather than pydantic's report of one paragraph per error."""
    try:
        return handler(values)
    except ValidationError as error:
        raise ValueError(validation_message(error, cls, **style)) from None


def one_line_validator(**style: Any) -> Any:
    """`one_line_errors` in `style` (the keywords of `validation_message`) as a wrap model validator, to assign in a
    class body: `_one_line = one_line_validator(qualify=True)`."""

    def one_line(cls: type, values: Any, handler: Callable[[Any], Any]) -> Any:
        return one_line_errors(cls, values, handler, **style)

    return model_validator(mode="wrap")(classmethod(one_line))


def must_be(test: Callable[[Any], bool], wording: str) -> AfterValidator:
    """A field rule that a `Field` constraint cannot word: the value passes `test`, else `must be <wording>, got
    <value>` (e.g. `must_be(lambda v: math.isfinite(v) and v >= 0, "finite and >= 0")`)."""

    def check(value: Any) -> Any:
        if not test(value):
            raise ValueError(f"must be {wording}, got {value}")
        return value

    return AfterValidator(check)


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


def _field_name(part: object, names: list[str]) -> object:
    """The field a positional argument's index stands for (pydantic reports the index)."""
    return names[part] if isinstance(part, int) and 0 <= part < len(names) else part


def _type_name(annotation: object) -> str:
    """`int`, `float | None`, `dict[str, Any]`, `tuple[float, float]`: an annotation as written, without its
    constraints."""
    origin, args = get_origin(annotation), get_args(annotation)
    if origin is Annotated:
        return _type_name(args[0])
    if origin in (Union, UnionType):
        return " | ".join("None" if arg is type(None) else _type_name(arg) for arg in args)
    if isinstance(annotation, type) and not args:
        return annotation.__name__
    return str(_without_constraints(annotation)).replace("typing.", "")


def _without_constraints(annotation: Any) -> Any:
    if get_origin(annotation) is Annotated:
        return _without_constraints(get_args(annotation)[0])
    if get_origin(annotation) in (tuple, list, dict, set, frozenset):
        return get_origin(annotation)[tuple(_without_constraints(arg) for arg in get_args(annotation))]
    return annotation

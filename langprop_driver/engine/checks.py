"""Static checks of a candidate before it runs: compiles, defines the function, names, imports."""

from __future__ import annotations

import ast
import builtins
import symtable
from dataclasses import dataclass

from .spec import FunctionSpec

FORBIDDEN_BUILTINS = frozenset(
    {"eval", "exec", "compile", "open", "__import__", "input", "breakpoint", "exit", "quit", "help"}
)
_BUILTIN_NAMES = frozenset(dir(builtins))


@dataclass(frozen=True)
class CheckFailure:
    """One reason a candidate cannot run, with the source line it points at (if any)."""

    kind: str
    """One of: syntax, missing_function, arity, undefined_name, forbidden_import, forbidden_name."""
    message: str
    line: int | None = None

    def describe(self) -> str:
        where = f"line {self.line}: " if self.line is not None else ""
        return f"{where}{self.message}"


def _positional_arity_ok(function: ast.FunctionDef, n_args: int) -> bool:
    arguments = function.args
    positional = len(arguments.posonlyargs) + len(arguments.args)
    required = positional - len(arguments.defaults)
    kw_required = any(default is None for default in arguments.kw_defaults)
    fits = required <= n_args <= positional or (required <= n_args and arguments.vararg is not None)
    return fits and not kw_required


def _check_function(tree: ast.Module, spec: FunctionSpec) -> list[CheckFailure]:
    definitions = [node for node in tree.body if isinstance(node, ast.FunctionDef) and node.name == spec.name]
    if not definitions:
        others = sorted(
            node.name for node in tree.body if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        )
        found = f" (found: {', '.join(others)})" if others else ""
        return [CheckFailure("missing_function", f"no top-level function `{spec.signature}`{found}")]
    function = definitions[-1]
    if not _positional_arity_ok(function, len(spec.args)):
        return [
            CheckFailure(
                "arity",
                f"`{spec.name}` must take {len(spec.args)} positional argument(s) ({', '.join(spec.args)})",
                function.lineno,
            )
        ]
    return []


def _check_imports(tree: ast.Module, allowed_modules: frozenset[str]) -> list[CheckFailure]:
    failures = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = ["." * node.level + (node.module or "")]
        else:
            continue
        for name in names:
            if name.startswith(".") or name.split(".", 1)[0] not in allowed_modules:
                allowed = ", ".join(sorted(allowed_modules))
                failures.append(
                    CheckFailure(
                        "forbidden_import",
                        f"import of `{name}` is not allowed (allowed: {allowed})",
                        node.lineno,
                    )
                )
    return failures


def _declared_global_in_children(table: symtable.SymbolTable) -> set[str]:
    """Names that nested scopes bind at module level through a ``global`` statement."""
    names = set()
    for child in table.get_children():
        names |= {s.get_name() for s in child.get_symbols() if s.is_declared_global() and s.is_assigned()}
        names |= _declared_global_in_children(child)
    return names


def _unresolved(table: symtable.SymbolTable, defined: set[str]) -> set[str]:
    """Names read in ``table`` or below that no scope, module binding or builtin provides."""
    at_module = table.get_type() == "module"
    names = set()
    for symbol in table.get_symbols():
        name = symbol.get_name()
        if not symbol.is_referenced() or name in defined or name in _BUILTIN_NAMES:
            continue
        if symbol.is_global() or (at_module and not symbol.is_assigned() and not symbol.is_imported()):
            names.add(name)
    for child in table.get_children():
        names |= _unresolved(child, defined)
    return names


def _first_line_of(tree: ast.Module, name: str) -> int | None:
    lines = [node.lineno for node in ast.walk(tree) if isinstance(node, ast.Name) and node.id == name]
    return min(lines) if lines else None


def _check_names(source: str, tree: ast.Module) -> list[CheckFailure]:
    table = symtable.symtable(source, "<candidate>", "exec")
    module_names = {s.get_name() for s in table.get_symbols() if s.is_assigned() or s.is_imported()}
    undefined = _unresolved(table, module_names | _declared_global_in_children(table))
    failures = [
        CheckFailure(
            "undefined_name",
            f"name `{name}` is used but never defined or imported",
            _first_line_of(tree, name),
        )
        for name in sorted(undefined)
    ]
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id in FORBIDDEN_BUILTINS:
            failures.append(
                CheckFailure("forbidden_name", f"`{node.id}` may not be used in a candidate", node.lineno)
            )
    return failures


def check_candidate(source: str, spec: FunctionSpec, allowed_modules: tuple[str, ...]) -> list[CheckFailure]:
    """Every reason ``source`` cannot run as ``spec`` (empty if it passes), without running it."""
    try:
        tree = ast.parse(source)
        compile(tree, "<candidate>", "exec")
    except SyntaxError as exc:
        return [CheckFailure("syntax", f"SyntaxError: {exc.msg}", exc.lineno)]
    failures = _check_function(tree, spec)
    failures += _check_imports(tree, frozenset(allowed_modules))
    failures += _check_names(source, tree)
    return sorted(failures, key=lambda failure: (failure.line or 0, failure.kind, failure.message))

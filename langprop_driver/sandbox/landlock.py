"""The Landlock layer (Linux >= 5.13): a worker reads only the folders it is given and writes nowhere.

With newer ABIs it also refuses TCP bind/connect (ABI 4), and signals and abstract UNIX sockets to
processes outside the worker's own domain (ABI 6). Landlock also keeps a worker from ptrace-style
access (``/proc/<pid>/environ``, ``mem``) to any process outside its domain, siblings included.

The ruleset is built once in the template process; each worker restricts itself with it after its fork.
Standard library only: the sandbox's template process imports it.
"""

from __future__ import annotations

import ctypes
import os
from collections.abc import Iterable

_CREATE_RULESET, _ADD_RULE, _RESTRICT_SELF = 444, 445, 446
"""System-call numbers: the same on every architecture (they postdate the unified table)."""
_CREATE_RULESET_VERSION = 1
_RULE_PATH_BENEATH = 1
_FS_READ_FILE, _FS_READ_DIR = 1 << 2, 1 << 3
_FS_RIGHTS_BY_ABI = {1: (1 << 13) - 1, 2: (1 << 14) - 1, 3: (1 << 15) - 1, 5: (1 << 16) - 1}
"""Every file-system right each ABI knows: EXECUTE .. MAKE_SYM (1), + REFER (2), + TRUNCATE (3), + IOCTL_DEV (5)."""
_NET_BIND_TCP, _NET_CONNECT_TCP = 1 << 0, 1 << 1
_SCOPE_ABSTRACT_UNIX_SOCKET, _SCOPE_SIGNAL = 1 << 0, 1 << 1


class LandlockUnavailable(RuntimeError):
    """The kernel has no Landlock (too old, or disabled at boot)."""


class _RulesetAttr(ctypes.Structure):
    _fields_ = [
        ("handled_access_fs", ctypes.c_uint64),
        ("handled_access_net", ctypes.c_uint64),
        ("scoped", ctypes.c_uint64),
    ]


class _PathBeneathAttr(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


_libc = ctypes.CDLL(None, use_errno=True)
_libc.syscall.restype = ctypes.c_long


def _syscall(*args: object) -> int:
    result = _libc.syscall(*args)
    if result < 0:
        code = ctypes.get_errno()
        raise OSError(code, os.strerror(code))
    return result


def abi_version() -> int:
    """The kernel's Landlock ABI (0 when Landlock is unavailable)."""
    try:
        return _syscall(
            ctypes.c_long(_CREATE_RULESET), None, ctypes.c_size_t(0), ctypes.c_uint32(_CREATE_RULESET_VERSION)
        )
    except OSError:
        return 0


class LandlockRuleset:
    """Read-only access beneath ``readable`` paths, nothing else; TCP, signals and abstract sockets scoped
    where the ABI allows. ``describe()`` says what the kernel enforces."""

    def __init__(self, readable: Iterable[str]) -> None:
        self.abi = abi_version()
        if self.abi < 1:
            raise LandlockUnavailable(
                "the kernel has no Landlock (Linux >= 5.13 with landlock in the LSM list)"
            )
        fs_rights = _FS_RIGHTS_BY_ABI[max(a for a in _FS_RIGHTS_BY_ABI if a <= self.abi)]
        attr = _RulesetAttr(fs_rights, 0, 0)
        size = 8
        if self.abi >= 4:
            attr.handled_access_net, size = _NET_BIND_TCP | _NET_CONNECT_TCP, 16
        if self.abi >= 6:
            attr.scoped, size = _SCOPE_ABSTRACT_UNIX_SOCKET | _SCOPE_SIGNAL, 24
        self.fd = _syscall(
            ctypes.c_long(_CREATE_RULESET), ctypes.byref(attr), ctypes.c_size_t(size), ctypes.c_uint32(0)
        )
        self.readable = tuple(sorted({os.path.realpath(p) for p in readable if os.path.exists(p)}))
        for path in self.readable:
            self._allow_read(path)

    def _allow_read(self, path: str) -> None:
        rights = _FS_READ_FILE | (_FS_READ_DIR if os.path.isdir(path) else 0)
        fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
        try:
            rule = _PathBeneathAttr(rights, fd)
            _syscall(
                ctypes.c_long(_ADD_RULE), ctypes.c_int(self.fd), ctypes.c_int(_RULE_PATH_BENEATH),
                ctypes.byref(rule), ctypes.c_uint32(0),
            )  # fmt: skip
        finally:
            os.close(fd)

    def describe(self) -> str:
        scopes = ", TCP refused" if self.abi >= 4 else ""
        scopes += ", signals and abstract sockets scoped" if self.abi >= 6 else ""
        return f"ABI {self.abi}: read-only under {len(self.readable)} folders{scopes}"

    def restrict_self(self) -> None:
        """Enforce the ruleset on this process (no_new_privs must be set first); it cannot be lifted."""
        _syscall(ctypes.c_long(_RESTRICT_SELF), ctypes.c_int(self.fd), ctypes.c_uint32(0))

#!/usr/bin/env python3
"""Small stdlib-only helpers of the shell scripts: free ports, waiting for a port, results and checkpoint status.

Run as ``python3 scripts/lib/lp_tools.py COMMAND ...`` (any Python 3.8+, no package imports, so it
also works in the leaderboard image before this package is importable). Commands:

- ``free-ports --count N --span S``: N base ports, one per line, each with S consecutive free TCP
  ports (a CARLA server takes its RPC port and the two after it), none overlapping.
- ``wait-port --host H --port P --timeout T [--pid PID]``: exit 0 once P accepts connections;
  3 on timeout, 4 as soon as process PID has died (the server that should be listening).
- ``results-status FILE``: the state of a leaderboard results (checkpoint) JSON, one line, and
  the exit code: 0 ``complete D/T`` (with the mean scores if present); 1 ``missing``; 2 ``partial D/T`` or ``crashed D/T``
  (resumable); 3 ``rejected``, ``invalid`` or ``unreadable`` (a restart cannot help).
- ``train-status FOLDER [--updates N]``: 0 ``done step S of T``; 1 ``missing``; 2 ``partial step S
  of T`` for a checkpoint folder written by ``langprop-drive train`` (state.json, train_run.json).
- ``seeds SPEC``: the seeds of '0', '0-2', '1,5' on one line, space separated (exit 2 if malformed).
- ``agent-config OUT --policy P [--beta B ...]``: write an agent config JSON for
  ``agents/dagger_agent.py`` / ``agents/langprop_agent.py`` (paths made absolute).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import socket
import sys
import time
from pathlib import Path

PORT_RANGE = (20000, 32000)
"""Where free ports are drawn from, below Linux's ephemeral ports (32768+) and away from CARLA's defaults (2000-2002, traffic manager 8000)."""

EXIT_OK, EXIT_MISSING, EXIT_PARTIAL, EXIT_FATAL = 0, 1, 2, 3


# ----------------------------------------------------------------------------- ports


def port_is_free(port: int) -> bool:
    """Whether a TCP socket can bind `port` on all interfaces right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind(("", port))
        except OSError:
            return False
    return True


def free_ports(count: int, span: int, rng: random.Random | None = None, attempts: int = 2000) -> list[int]:
    """`count` base ports, each followed by `span - 1` more free ports, no two ranges overlapping.

    Drawn at random from PORT_RANGE, so parallel callers rarely pick the same range.
    """
    if count < 1 or span < 1:
        raise ValueError("count and span must be >= 1")
    rng = rng or random.Random()
    chosen: list[int] = []
    for _ in range(attempts):
        base = rng.randrange(PORT_RANGE[0], PORT_RANGE[1] - span)
        if any(abs(base - other) < span for other in chosen):
            continue
        if all(port_is_free(base + offset) for offset in range(span)):
            chosen.append(base)
            if len(chosen) == count:
                return chosen
    raise RuntimeError(
        f"found only {len(chosen)} of {count} free port ranges of {span} in {attempts} attempts"
    )


def pid_alive(pid: int) -> bool:
    """Whether process `pid` exists and is not a zombie."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return True


def wait_port(host: str, port: int, timeout_s: float, pid: int | None = None, poll_s: float = 0.2) -> int:
    """Exit code: 0 when `host:port` accepts a connection, 3 after `timeout_s`, 4 once `pid` has died."""
    deadline = time.monotonic() + timeout_s
    while True:
        if pid is not None and not pid_alive(pid):
            return 4
        try:
            with socket.create_connection((host, port), timeout=min(1.0, max(timeout_s, 0.1))):
                return 0
        except OSError:
            pass
        if time.monotonic() >= deadline:
            return 3
        time.sleep(poll_s)


# ----------------------------------------------------------------------------- results files


def results_status(path: Path) -> tuple[int, str]:
    """(exit code, description) of a leaderboard results file; see the module docstring."""
    if not path.is_file():
        return EXIT_MISSING, "missing"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        checkpoint = data["_checkpoint"]
        done, total = checkpoint["progress"]
        done, total = int(done), int(total)
        global_record = checkpoint.get("global_record") or {}
        entry_status = str(data.get("entry_status", ""))
    except (OSError, ValueError, KeyError, TypeError) as error:
        return EXIT_FATAL, f"unreadable ({type(error).__name__}: {error})"
    where = f"{done}/{total}"
    if entry_status == "Rejected":
        return EXIT_FATAL, f"rejected {where} (the agent's sensors were refused: see the evaluator log)"
    if entry_status == "Invalid":
        return EXIT_FATAL, f"invalid {where} (the evaluator marked the results 'Invalid': see its log)"
    if entry_status == "Crashed":
        return EXIT_PARTIAL, f"crashed {where}"
    if total > 0 and done >= total and global_record:
        return EXIT_OK, f"complete {where}{_scores(global_record)}"
    return EXIT_PARTIAL, f"partial {where}"


def _scores(global_record: dict) -> str:
    """', driving score DS, route completion RC, infraction penalty IP' from a global record, if it has them."""
    means = global_record.get("scores_mean") if isinstance(global_record, dict) else None
    names = (
        ("score_composed", "driving score"),
        ("score_route", "route completion"),
        ("score_penalty", "infraction penalty"),
    )
    try:
        return "".join(f", {label} {float(means[key]):.3f}" for key, label in names)
    except (KeyError, TypeError, ValueError):
        return ""


def train_status(folder: Path, updates: int | None) -> tuple[int, str]:
    """(exit code, description) of a `langprop-drive train` checkpoint folder; see the module docstring."""
    state_file, run_file = folder / "state.json", folder / "train_run.json"
    if not state_file.is_file():
        return EXIT_MISSING, "missing"
    try:
        step = int(json.loads(state_file.read_text(encoding="utf-8"))["step"])
        run = json.loads(run_file.read_text(encoding="utf-8")) if run_file.is_file() else {}
    except (OSError, ValueError, KeyError, TypeError) as error:
        return EXIT_PARTIAL, f"unreadable ({type(error).__name__}: {error})"
    if updates is None and "updates" not in run:
        return EXIT_PARTIAL, f"partial step {step} (no train_run.json: target unknown)"
    target = int(run.get("base_step", 0)) + (updates if updates is not None else int(run["updates"]))
    if step >= target:
        return EXIT_OK, f"done step {step} of {target}"
    return EXIT_PARTIAL, f"partial step {step} of {target}"


# ----------------------------------------------------------------------------- seeds and configs

_SEED_PART = re.compile(r"(\d+)(?:-(\d+))?")


def parse_seeds(text: str) -> list[int]:
    """'0', '0-2' (inclusive), '1,5' or a mix, in the order given, each once (as `langprop-drive collect`)."""
    seeds: list[int] = []
    for part in text.replace(" ", "").split(","):
        match = _SEED_PART.fullmatch(part)
        if match is None or int(match[2] or match[1]) < int(match[1]):
            raise ValueError(f"seeds {text!r}: {part!r} is not a seed >= 0 or an ascending range like 0-2")
        for seed in range(int(match[1]), int(match[2] or match[1]) + 1):
            if seed in seeds:
                raise ValueError(f"seeds {text!r}: seed {seed} is given twice")
            seeds.append(seed)
    return seeds


def agent_config(policy: str, **settings: object) -> dict[str, object]:
    """An agent config dict: `policy` absolute unless 'baseline', `buffer_dir` absolute, unset keys left out."""
    config: dict[str, object] = {"policy": policy if policy == "baseline" else str(Path(policy).resolve())}
    for key, value in settings.items():
        if value is None:
            continue
        config[key] = str(Path(str(value)).resolve()) if key == "buffer_dir" else value
    return config


def write_json(path: Path, data: object) -> None:
    """Write `data` as indented JSON through a temporary file and an atomic rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, path)


# ----------------------------------------------------------------------------- command line


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="lp_tools.py", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("free-ports")
    p.add_argument("--count", type=int, default=1)
    p.add_argument("--span", type=int, default=1)
    p = sub.add_parser("wait-port")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--timeout", type=float, required=True)
    p.add_argument("--pid", type=int, default=None)
    p = sub.add_parser("results-status")
    p.add_argument("file", type=Path)
    p = sub.add_parser("train-status")
    p.add_argument("folder", type=Path)
    p.add_argument("--updates", type=int, default=None)
    p = sub.add_parser("seeds")
    p.add_argument("spec")
    p = sub.add_parser("agent-config")
    p.add_argument("out", type=Path)
    p.add_argument("--policy", required=True)
    p.add_argument("--candidate", default=None)
    p.add_argument("--beta", type=float, default=None)
    p.add_argument("--buffer-dir", default=None)
    p.add_argument("--frame-rate-hz", type=float, default=None)
    p.add_argument("--seed", type=int, default=None)
    p.add_argument("--step-timeout-s", type=float, default=None)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "free-ports":
        try:
            print("\n".join(str(port) for port in free_ports(args.count, args.span)))
        except RuntimeError as error:
            print(f"lp_tools: {error}", file=sys.stderr)
            return 1
        return 0
    if args.command == "wait-port":
        return wait_port(args.host, args.port, args.timeout, args.pid)
    if args.command == "results-status":
        code, text = results_status(args.file)
    elif args.command == "train-status":
        code, text = train_status(args.folder, args.updates)
    elif args.command == "seeds":
        try:
            print(" ".join(str(seed) for seed in parse_seeds(args.spec)))
        except ValueError as error:
            print(f"lp_tools: {error}", file=sys.stderr)
            return 2
        return 0
    else:
        settings = {
            "candidate": args.candidate,
            "beta": args.beta,
            "buffer_dir": args.buffer_dir,
            "frame_rate_hz": args.frame_rate_hz,
            "seed": args.seed,
            "step_timeout_s": args.step_timeout_s,
        }
        write_json(args.out, agent_config(args.policy, **settings))
        return 0
    print(text)
    return code


if __name__ == "__main__":
    sys.exit(main())

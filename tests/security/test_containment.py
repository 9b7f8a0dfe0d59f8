"""Every attack of a hostile candidate is contained, through the trainer's scoring and the agent's per-step
worker alike: nothing written, nothing read, no socket, no process, no signal, no secret, no effect on a
rival or on the parent, and a worker that lies about its results fails its candidate."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hostile_candidates import (
    CATCHES_TIMEOUT,
    CLOSURE_IMPORT,
    DUNDER_IMPORT,
    HONEST,
    HUGE_OUTPUT,
    IMPORT_OS,
    KILL_PARENT,
    LOOPING,
    MATH_SABOTEUR,
    MEMORY_EATER,
    NATIVE_CALLS,
    NATIVE_LOOP,
    NOT_PLAIN,
    OPEN_DESCRIPTORS,
    OPEN_FILES,
    PICKLE_BOMB,
    PRINTER,
    PROC_ENVIRON,
    PROCESSES,
    PROTOCOL_FORGED_INDEX,
    PROTOCOL_GARBAGE,
    PROTOCOL_HUGE_FRAME,
    RANDOM_OS,
    SOCKETS,
    SUBCLASS_WALK,
    hostile,
)
from security_helpers import CANARY, Listener, ParentRun, run_parent

ATTACKS = {
    "import_os": IMPORT_OS,
    "dunder_import": DUNDER_IMPORT,
    "closure_import": CLOSURE_IMPORT,
    "subclass_walk": SUBCLASS_WALK,
    "random_os": RANDOM_OS,
    "open_files": OPEN_FILES,
    "proc_environ": PROC_ENVIRON,
    "kill_parent": KILL_PARENT,
    "native_calls": NATIVE_CALLS,
    "sockets": SOCKETS,
    "processes": PROCESSES,
    "open_descriptors": OPEN_DESCRIPTORS,
    "math_saboteur": MATH_SABOTEUR,
    "protocol_garbage": PROTOCOL_GARBAGE,
    "protocol_forged_index": PROTOCOL_FORGED_INDEX,
    "protocol_huge_frame": PROTOCOL_HUGE_FRAME,
    "pickle_bomb": PICKLE_BOMB,
    "honest": HONEST,  # scored last, after every attack, in the same worker slot
}
INPUTS = [1, 3]
SECRET_TEXT = "the content of a file no candidate may read"


@pytest.fixture(scope="module")
def target(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("target")


@pytest.fixture(scope="module")
def attacks(target: Path, listener: Listener, tmp_path_factory: pytest.TempPathFactory) -> ParentRun:
    secret = tmp_path_factory.mktemp("secret") / "secret.txt"
    secret.write_text(SECRET_TEXT)
    values = {"TARGET_DIR": target, "SECRET_FILE": secret, "PORT": listener.port}
    candidates = {name: hostile(source, **values) for name, source in ATTACKS.items()}
    run = run_parent(candidates, INPUTS, {"n_workers": 1, "call_timeout_s": 30.0, "chunk_size": 8}, target)
    assert run.returncode == 0, f"the scoring process did not survive: {run.stderr[-3000:]}"
    return run


def test_the_parent_survives_and_the_honest_rival_scores_as_if_alone(attacks: ParentRun) -> None:
    assert attacks.scoring("honest")["mean_score"] == 1.0
    assert [r["output"] for r in attacks.serving("honest")] == [2, 6]


def test_the_canary_secret_appears_nowhere(attacks: ParentRun) -> None:
    assert CANARY not in attacks.stdout and CANARY not in attacks.stderr
    assert SECRET_TEXT not in attacks.stdout


def test_nothing_is_written_anywhere(attacks: ParentRun, target: Path) -> None:
    assert sorted(p.name for p in target.iterdir()) == []
    assert not Path("/dev/shm/langprop_channel").exists()


def test_imports_of_os_are_refused(attacks: ParentRun) -> None:
    assert attacks.errors("import_os") == {"ImportError"}
    assert attacks.errors("dunder_import") == {"ImportError"}


@pytest.mark.parametrize("name", ["closure_import", "subclass_walk", "random_os", "open_files"])
def test_escapes_to_os_reach_nothing(attacks: ParentRun, name: str) -> None:
    outputs = [r["output"] for r in attacks.scoring(name)["results"] + attacks.serving(name)]
    assert attacks.errors(name) == {"ok"} and outputs
    text = json.dumps(outputs)
    assert "PermissionError" in text  # what the kernel answered
    assert "root:" not in text  # /etc/passwd was not read


def test_open_files_read_nothing_outside_the_allowed_folders(attacks: ParentRun) -> None:
    reads = attacks.serving("open_files")[0]["output"]
    assert all(read.startswith("PermissionError") for read in reads), reads


def test_the_parents_environment_and_memory_stay_unread(attacks: ParentRun) -> None:
    output = attacks.serving("proc_environ")[0]["output"]
    reads = dict(output[:-1])
    assert all(result.startswith("PermissionError") for result in reads.values()), reads
    environment = output[-1][1]
    assert "OPENAI_API_KEY" not in environment and "LANGPROP_CANARY" not in environment


def test_signals_to_the_parent_and_the_template_are_refused(attacks: ParentRun) -> None:
    for result in attacks.serving("kill_parent") + attacks.scoring("kill_parent")["results"]:
        assert all(outcome.startswith("PermissionError") for outcome in result["output"]), result
    # the template that forked the attacker forked the rival after it: it was not killed either
    assert [r["output"] for r in attacks.serving("honest")] == [2, 6]


def test_native_calls_through_ctypes_are_refused_by_the_kernel(attacks: ParentRun) -> None:
    [[_, kill], [_, ptrace], [_, shm], [_, unshare], [_, fork]] = [
        [name, (result, error)] for name, result, error in attacks.serving("native_calls")[0]["output"]
    ]
    eperm = (-1, 1)
    assert kill == eperm and ptrace == eperm and shm == eperm and unshare == eperm and fork == eperm


def test_no_socket_reaches_the_network(attacks: ParentRun, listener: Listener) -> None:
    outcomes = attacks.serving("sockets")[0]["output"]
    assert all(outcome.startswith("PermissionError") for outcome in outcomes), outcomes
    assert listener.arrivals == []


def test_no_process_or_thread_starts(attacks: ParentRun) -> None:
    subprocess_run, spawn, fork, thread = attacks.serving("processes")[0]["output"]
    assert subprocess_run.startswith("PermissionError") and spawn.startswith("PermissionError")
    assert fork.startswith("PermissionError") and thread.startswith("RuntimeError")


def test_a_worker_holds_no_descriptor_but_its_own_channel(attacks: ParentRun) -> None:
    for result in attacks.serving("open_descriptors") + attacks.scoring("open_descriptors")["results"]:
        descriptors = result["output"]
        assert descriptors[:3] == [0, 1, 2] and len(descriptors) == 4, descriptors


def test_patched_modules_stay_in_the_saboteurs_worker(attacks: ParentRun) -> None:
    # the patch works in the saboteur's own worker, which ran just before the rival's in the same slot...
    assert [r["output"] for r in attacks.serving("math_saboteur")] == [-1, -1]
    assert attacks.scoring("math_saboteur")["mean_score"] == 0.0
    # ...and the rival, the same code unpatched, computes as if alone
    assert attacks.scoring("honest")["mean_score"] == 1.0
    assert [r["output"] for r in attacks.serving("honest")] == [2, 6]


@pytest.mark.parametrize("name", ["protocol_garbage", "protocol_forged_index", "protocol_huge_frame"])
def test_a_worker_that_breaks_the_protocol_fails_its_candidate(attacks: ParentRun, name: str) -> None:
    assert attacks.errors(name) == {"ProtocolViolation"}
    assert attacks.scoring(name)["mean_score"] == -10.0
    assert "999" not in json.dumps(attacks.scoring(name))


def test_an_object_that_would_run_code_when_unpickled_never_reaches_the_parent(
    attacks: ParentRun, target: Path
) -> None:
    assert attacks.errors("pickle_bomb") == {"UnserializableOutput"}
    assert not (target / "reduce.txt").exists()


@pytest.mark.slow
def test_loops_are_killed_and_the_run_goes_on(tmp_path: Path) -> None:
    candidates = {
        "looping": LOOPING,
        "native_loop": NATIVE_LOOP,
        "catches_timeout": CATCHES_TIMEOUT,
        "honest": HONEST,
    }
    run = run_parent(candidates, [2], {"n_workers": 2, "call_timeout_s": 1.0, "kill_grace_s": 0.5}, tmp_path)
    assert run.returncode == 0, run.stderr[-3000:]
    assert run.errors("looping") == {"Timeout"}
    assert run.errors("native_loop") == {"Timeout"}
    assert run.errors("catches_timeout") == {"Timeout"}
    assert run.scoring("honest")["mean_score"] == 1.0 and run.serving("honest")[0]["output"] == 4


def test_memory_prints_and_outputs_are_bounded(tmp_path: Path) -> None:
    candidates = {
        "memory_eater": MEMORY_EATER,
        "printer": PRINTER,
        "huge_output": HUGE_OUTPUT,
        "not_plain": NOT_PLAIN,
        "honest": HONEST,
    }
    # a generous call limit: on a loaded machine the big allocations must not race the timeout
    run = run_parent(
        candidates, [2], {"n_workers": 2, "call_timeout_s": 300.0, "memory_limit_mib": 2048}, tmp_path
    )
    assert run.returncode == 0, run.stderr[-3000:]
    assert run.errors("memory_eater") == {"MemoryError"}
    assert run.errors("huge_output") == {"OutputTooLarge"}
    assert run.errors("not_plain") == {"UnserializableOutput"}
    [printed] = run.scoring("printer")["results"]
    assert printed["output"] == 4 and len(printed["printed"]) == 2000  # the first max_printed_chars
    assert run.serving("printer")[0]["output"] == 4
    assert run.scoring("honest")["mean_score"] == 1.0
    assert len(run.stdout) < 100_000

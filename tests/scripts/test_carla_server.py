"""CarlaServer against the TEST DOUBLE of CarlaUE4.sh (tests/scripts/scripts_helpers.py): free ports, health,
restart on new ports, process groups killed on stop, on exceptions and at interpreter exit; bad installs."""

from __future__ import annotations

import os
import pickle
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from scripts_helpers import (
    SAFETY_S,
    CarlaDoubles,
    assert_no_process_left,
    make_carla_doubles,
    pid_alive,
    start_fake_server,
    unused_port,
    wait_until,
)

from leaderboard_adapter.carla_mode import CarlaServer, CarlaServerConfig, CarlaServerError
from leaderboard_adapter.carla_mode.ports import accepts_connections


@pytest.fixture()
def doubles(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CarlaDoubles:
    doubles = make_carla_doubles(tmp_path)
    monkeypatch.setenv("FAKE_STATE", str(doubles.state))
    return doubles


def _config(doubles: CarlaDoubles, **changes: object) -> CarlaServerConfig:
    settings = {"carla_root": doubles.carla_root, "start_timeout_s": SAFETY_S, "settle_s": 0.0, "kill_grace_s": 2.0,
                "log_dir": doubles.state.parent / "logs", **changes}  # fmt: skip
    return CarlaServerConfig(**settings)  # type: ignore[arg-type]


def test_start_listens_on_free_ports_and_stop_kills_the_whole_group(doubles: CarlaDoubles) -> None:
    with CarlaServer(_config(doubles, gpu=1, extra_args=("-quality-level=Low",))) as server:
        ports = server.start()
        assert server.healthy() and accepts_connections("127.0.0.1", ports.rpc)
        assert ports.traffic_manager != ports.rpc
        (start,) = doubles.server_starts()
        assert start["port"] == ports.rpc
        assert start["argv"] == ["-RenderOffScreen", "-nosound", f"-carla-rpc-port={ports.rpc}", "-graphicsadapter=1",
                                 "-quality-level=Low"]  # fmt: skip
        assert start["wrapper_pid"] == server.pid  # the launcher leads the group; the server is its child
        server.stop()
        assert not server.alive() and not server.started
    assert_no_process_left(doubles)
    assert not accepts_connections("127.0.0.1", ports.rpc)


def test_restart_starts_a_fresh_server_on_new_ports(doubles: CarlaDoubles) -> None:
    with CarlaServer(_config(doubles)) as server:
        first = server.start()
        second = server.restart()
        assert second.rpc != first.rpc and server.healthy()
        old, new = doubles.server_starts()
        assert not pid_alive(old["pid"]) and not pid_alive(old["wrapper_pid"]) and pid_alive(new["pid"])
        assert server.starts == 2 and server.log_path == doubles.state.parent / "logs" / "carla_carla_start2.log"
    assert_no_process_left(doubles)


def test_a_crashed_server_is_not_healthy(doubles: CarlaDoubles, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FAKE_CARLA_CRASH_PLAN", "0")  # dies at its first request
    with CarlaServer(_config(doubles)) as server:
        ports = server.start()
        with socket.create_connection(("127.0.0.1", ports.rpc)) as connection, connection.makefile("rw") as stream:
            stream.write("route 0\n")
            stream.flush()
            assert stream.readline() == ""  # it went away
        wait_until(lambda: not server.alive())  # the launcher ends with its server
        assert not server.healthy()
    assert_no_process_left(doubles)


def test_a_server_that_never_listens_times_out_and_is_killed(doubles: CarlaDoubles,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FAKE_CARLA_NO_LISTEN", "1")
    server = CarlaServer(_config(doubles, start_timeout_s=0.5))
    with pytest.raises(CarlaServerError, match=r"did not accept connections on port \d+ within 0.5 s \(log: .*start1.log\)"):
        server.start()
    assert not server.started
    assert_no_process_left(doubles)


def test_a_server_that_exits_at_start_up_is_reported(doubles: CarlaDoubles) -> None:
    (doubles.carla_root / "CarlaUE4.sh").write_text("#!/usr/bin/env bash\necho 'no GPU found' >&2\nexit 1\n")
    with pytest.raises(CarlaServerError, match="exited during start-up"):
        CarlaServer(_config(doubles)).start()
    (log,) = (doubles.state.parent / "logs").glob("carla_*_start1.log")
    assert "no GPU found" in log.read_text()


def test_leaving_the_context_on_an_exception_kills_the_server(doubles: CarlaDoubles) -> None:
    with pytest.raises(RuntimeError, match="boom"), CarlaServer(_config(doubles)) as server:
        server.start()
        raise RuntimeError("boom")
    assert_no_process_left(doubles)


def test_a_server_never_stopped_is_killed_at_interpreter_exit(doubles: CarlaDoubles, tmp_path: Path) -> None:
    script = (
        "import pickle, sys\n"
        "from leaderboard_adapter.carla_mode import CarlaServer\n"
        "server = CarlaServer(pickle.loads(bytes.fromhex(sys.argv[1])))\n"
        "print(server.start().rpc, flush=True)\n"  # and exit without stop()
    )
    config = _config(doubles)
    done = subprocess.run([sys.executable, "-c", script, pickle.dumps(config).hex()], capture_output=True, text=True,
                          env={**os.environ}, timeout=SAFETY_S)  # fmt: skip
    assert done.returncode == 0, done.stderr
    (start,) = doubles.server_starts()
    assert start["port"] == int(done.stdout)
    assert_no_process_left(doubles)


def test_config_is_plain_picklable_data(doubles: CarlaDoubles) -> None:
    config = _config(doubles, gpu=0)
    assert pickle.loads(pickle.dumps(config)) == config
    with pytest.raises(ValueError, match="gpu must be >= 0"):
        _config(doubles, gpu=-1)


def test_external_server_is_waited_for_and_never_stopped(doubles: CarlaDoubles) -> None:
    port = unused_port()
    external = start_fake_server(doubles, port, {**os.environ})
    try:
        config = CarlaServerConfig(host="127.0.0.1", port=port, settle_s=0, start_timeout_s=SAFETY_S)
        with CarlaServer(config) as server:
            ports = server.start()
            assert ports.rpc == port and server.healthy() and server.pid is None
        assert external.poll() is None  # not ours to stop
    finally:
        external.kill()
        external.wait()


def test_an_external_server_that_is_not_there_times_out(tmp_path: Path) -> None:
    port = unused_port()
    server = CarlaServer(CarlaServerConfig(host="127.0.0.1", port=port, settle_s=0, start_timeout_s=0.3))
    with pytest.raises(CarlaServerError, match=rf"external CARLA server 127.0.0.1:{port} did not accept connections within 0.3 s"):
        server.start()


@pytest.mark.parametrize(
    ("breakage", "message"),
    [("no_root", "is not a folder"), ("no_launcher", "has no CarlaUE4.sh"), ("not_executable", "is not executable")],
)
def test_bad_carla_root_is_named(doubles: CarlaDoubles, breakage: str, message: str) -> None:
    root = doubles.carla_root
    if breakage == "no_root":
        root = root.parent / "no_such_carla"
    elif breakage == "no_launcher":
        (root / "CarlaUE4.sh").unlink()
    else:
        (root / "CarlaUE4.sh").chmod(0o644)
    with pytest.raises(CarlaServerError, match=message):
        _config(doubles, carla_root=root).check()
    assert doubles.server_starts() == []


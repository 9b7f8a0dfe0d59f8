"""docker/: the compose file parses and wires a CARLA server beside the agent; the Dockerfile copies paths
that exist; the image's default command hands the leaderboard evaluator the submission settings.

No Docker daemon is assumed: the image is not built here.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from scripts_helpers import REPO, base_env, describe, make_carla_doubles, start_fake_server, unused_port

DOCKER = REPO / "docker"


def _load_yaml(path: Path) -> dict:
    """Parse YAML with PyYAML if installed, else with Perl's core CPAN::Meta::YAML (a YAML::Tiny subset)."""
    try:
        import yaml  # type: ignore[import-untyped]

        return yaml.safe_load(path.read_text())
    except ImportError:
        pass
    if shutil.which("perl") is None:
        pytest.skip("neither PyYAML nor perl is available to parse YAML")
    script = (
        "local $/; my $y = CPAN::Meta::YAML->read_string(<STDIN>) or die CPAN::Meta::YAML->errstr;"
        " print JSON::PP->new->encode($y->[0])"
    )
    result = subprocess.run(
        ["perl", "-MCPAN::Meta::YAML", "-MJSON::PP", "-e", script],
        input=path.read_text(),
        capture_output=True,
        text=True,
    )
    if "Can't locate" in result.stderr:
        pytest.skip("perl lacks CPAN::Meta::YAML")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_compose_starts_carla_beside_the_agent() -> None:
    compose = _load_yaml(DOCKER / "compose.yaml")
    carla, agent = compose["services"]["carla"], compose["services"]["agent"]

    assert carla["image"].startswith("carlasim/carla:")
    assert carla["command"][:2] == ["bash", "./CarlaUE4.sh"]
    assert {"-RenderOffScreen", "-nosound", "-carla-rpc-port=2000"} <= set(carla["command"])
    assert carla["restart"] in ("unless-stopped", "always", "on-failure")
    (device,) = carla["deploy"]["resources"]["reservations"]["devices"]
    assert device["driver"] == "nvidia" and device["capabilities"] == ["gpu"]
    assert "/dev/tcp/127.0.0.1/2000" in carla["healthcheck"]["test"][1]

    build = agent["build"]
    assert (DOCKER / build["context"] / build["dockerfile"]).resolve() == DOCKER / "Dockerfile"
    assert agent["depends_on"]["carla"]["condition"] == "service_healthy"
    assert "CARLA_HOST=carla" in agent["environment"] and "CARLA_PORT=2000" in agent["environment"]
    assert "../runs:/workspace/runs" in agent["volumes"]
    assert agent["command"] == ["bash", "/workspace/docker/run_leaderboard.sh"]


def _instructions(dockerfile: Path) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    text = re.sub(r"\\\n", " ", dockerfile.read_text())
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1]) for line in lines]


def test_dockerfile_copies_exist_and_env_points_into_the_repo() -> None:
    instructions = _instructions(DOCKER / "Dockerfile")
    copies = [args.split() for name, args in instructions if name == "COPY"]
    assert copies
    for parts in copies:
        assert not any(part.startswith("--from") for part in parts)
        for source in parts[:-1]:
            assert (REPO / source).exists(), f"COPY source {source} is not in the repo"
    env = " ".join(args for name, args in instructions if name == "ENV")
    team_agent = re.search(r"TEAM_AGENT=/workspace/(\S+)", env)
    assert team_agent and (REPO / team_agent[1]).is_file()
    assert "LEADERBOARD_ROOT=" in env and "SCENARIO_RUNNER_ROOT=" in env and "TEAM_CONFIG=" in env
    (cmd,) = [args for name, args in instructions if name == "CMD"]
    assert (REPO / json.loads(cmd)[-1].removeprefix("/workspace/")).is_file()
    args = " ".join(args for name, args in instructions if name == "ARG")
    assert "LEADERBOARD_REF=leaderboard-2.1" in args and "CARLA_VERSION=0.9.16" in args
    run = " ".join(args for name, args in instructions if name == "RUN")
    assert "carla==${CARLA_VERSION}" in run and "pip install -e ." in run
    assert "carla-simulator/leaderboard.git" in run and "carla-simulator/scenario_runner.git" in run


def test_dockerignore_keeps_what_the_image_copies() -> None:
    ignored = [
        line.strip()
        for line in (DOCKER / "Dockerfile.dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert ".venv" in ignored and ".git" in ignored
    copied = {args.split()[0] for name, args in _instructions(DOCKER / "Dockerfile") if name == "COPY"}
    for source in copied:
        assert not any(Path(source).match(pattern) or source.startswith(pattern + "/") for pattern in ignored)


def test_image_command_runs_the_evaluator_with_the_submission_settings(tmp_path: Path) -> None:
    doubles = make_carla_doubles(tmp_path, routes=2)
    port = unused_port()
    env = base_env()
    env.update(
        FAKE_STATE=str(doubles.state),
        LEADERBOARD_ROOT=str(doubles.leaderboard_root),
        PYTHONPATH=str(doubles.carla_root / "PythonAPI" / "carla"),
        LP_PYTHON=sys.executable,
        CARLA_HOST="127.0.0.1",
        CARLA_PORT=str(port),
        ROUTES=str(doubles.routes),
        ROUTES_SUBSET="1",
        REPETITIONS="1",
        CHALLENGE_TRACK_CODENAME="MAP",
        CHECKPOINT_ENDPOINT=str(tmp_path / "out" / "results.json"),
        TEAM_AGENT=str(REPO / "agents" / "langprop_agent.py"),
        TEAM_CONFIG=str(tmp_path / "team_config.json"),
        RESUME="False",
    )
    (tmp_path / "team_config.json").write_text('{"policy": "baseline"}')
    server = start_fake_server(doubles, port, env)
    try:
        result = subprocess.run(
            ["bash", str(DOCKER / "run_leaderboard.sh")], env=env, capture_output=True, text=True, timeout=600
        )
    finally:
        server.kill()
        server.wait()
    assert result.returncode == 0, describe(result)
    (call,) = doubles.evaluator_calls()
    argv = call["argv"]
    assert argv[argv.index("--agent") + 1] == env["TEAM_AGENT"]
    assert argv[argv.index("--routes-subset") + 1] == "1" and argv[argv.index("--track") + 1] == "MAP"
    assert "--resume" not in argv  # RESUME=False must not become True through type=bool
    assert call["agent_config"] == {"policy": "baseline"}
    results = json.loads((tmp_path / "out" / "results.json").read_text())
    assert results["_checkpoint"]["progress"] == [1, 1]

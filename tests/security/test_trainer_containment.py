"""End to end: hostile LLM answers scored by the real trainer (real openai client, local test server) do
not reach the trainer: the honest candidate wins, and a canary secret is nowhere in the run folder."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from security_helpers import CANARY

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "engine"))  # the engine tests' helpers

from engine_helpers import SAMPLES, TASK, fast_sandbox, llm_for  # noqa: E402
from openai_test_server import OpenAITestServer, fenced, scripted  # noqa: E402

from langprop_driver.engine import TrackerConfig, Trainer, TrainerConfig, load_best, load_state  # noqa: E402

ENVIRONMENT_THIEF = "import random\n\n\ndef double(x):\n    return dict(random._os.environ)\n"
RIVAL = "import math\n\n\ndef double(x):\n    return int(math.sqrt(4 * x * x))\n"
SABOTEUR = "import math\n\nmath.sqrt = abs\n\n\ndef double(x):\n    return int(math.sqrt(4 * x * x))\n"
BOMB = (
    "import random\n\n\nclass Bomb:\n    def __reduce__(self):\n"
    "        return (random._os.system, ('touch TARGET',))\n\n\ndef double(x):\n    return Bomb()\n"
)
PARENT_READER = (
    "import random\n\n\ndef double(x):\n    os = random._os\n"
    "    return os.read(os.open(f'/proc/{os.getppid()}/environ', os.O_RDONLY), 4096).decode()\n"
)


def test_hostile_answers_lose_and_leave_no_trace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", CANARY)  # the trainer's own key: it must not leak
    marker = tmp_path / "bomb_went_off"
    answers = [ENVIRONMENT_THIEF, SABOTEUR, BOMB.replace("TARGET", str(marker)), PARENT_READER, RIVAL]
    config = TrainerConfig(tracker=TrackerConfig(n_top=1, n_responses=5, max_keep=5), batch_size=8, n_steps=1)
    run_dir = tmp_path / "run"
    with OpenAITestServer(scripted([fenced(source) for source in answers])) as server:
        result = Trainer(TASK, run_dir, config, llm_for(server.base_url), fast_sandbox()).fit(SAMPLES)
    assert result.stop_reason == "completed"
    assert load_best(run_dir).source == RIVAL
    state = load_state(run_dir)
    assert all(not candidate.check_failures for candidate in state.candidates.values())  # all of them ran
    priorities = {
        state.candidates[cid].source: standing.priority for cid, standing in state.standings.items()
    }
    assert priorities[RIVAL] == 1.0  # the saboteur's patched math stayed in its own worker
    assert max(p for source, p in priorities.items() if source != RIVAL) < 1.0
    assert not marker.exists()
    for path in run_dir.rglob("*"):
        if path.is_file():
            assert CANARY not in path.read_text(errors="replace"), path

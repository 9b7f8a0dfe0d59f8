"""The Sudoku example trains end to end against the test server and scores as documented."""

from __future__ import annotations

import sys
from pathlib import Path

from openai_test_server import OpenAITestServer, scripted

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "sudoku"
sys.path.insert(0, str(EXAMPLE))

from sudoku_task import make_samples, score_sudoku  # noqa: E402
from train_sudoku import main  # noqa: E402

SOLVER = """\
def solve_sudoku(grid):
    board = [row[:] for row in grid]

    def allowed(r, c, v):
        if v in board[r] or any(board[i][c] == v for i in range(9)):
            return False
        br, bc = 3 * (r // 3), 3 * (c // 3)
        return all(board[br + i][bc + j] != v for i in range(3) for j in range(3))

    def fill(cell):
        if cell == 81:
            return True
        r, c = divmod(cell, 9)
        if board[r][c]:
            return fill(cell + 1)
        for v in range(1, 10):
            if allowed(r, c, v):
                board[r][c] = v
                if fill(cell + 1):
                    return True
        board[r][c] = 0
        return False

    fill(0)
    return board
"""


def test_scores_validity_and_kept_clues() -> None:
    [sample] = make_samples(1, 30, seed=3)
    assert score_sudoku(sample.expected, sample).passed
    changed = [row[:] for row in sample.expected]
    clue = next((r, c) for r in range(9) for c in range(9) if sample.input[r][c])
    changed[clue[0]][clue[1]] = changed[clue[0]][clue[1]] % 9 + 1
    assert score_sudoku(changed, sample).note in (
        "a given clue was changed",
        "repeated digits in a row, column or box",
    )
    assert score_sudoku(sample.input, sample).note == "cells must be ints in 1-9"


def test_the_example_trains_against_a_local_endpoint(tmp_path: Path, capsys) -> None:
    echo = "```python\ndef solve_sudoku(grid):\n    return grid\n```"
    with OpenAITestServer(scripted([echo, echo, echo, echo, f"```python\n{SOLVER}```"])) as server:
        code = main(["--run-dir", str(tmp_path), "--base-url", server.base_url, "--steps", "1", "--n-train", "4",
                     "--n-val", "2", "--batch-size", "4", "--blanks", "20", "--call-timeout-s", "60"])  # fmt: skip
    assert code == 0
    assert "stopped: completed at step 1" in capsys.readouterr().out
    assert (tmp_path / "candidates" / "c0002.py").read_text() == SOLVER

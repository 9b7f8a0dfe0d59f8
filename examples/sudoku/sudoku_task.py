"""The Sudoku task: puzzles, and the score of a proposed solution (validity and kept clues)."""

from __future__ import annotations

import random

from langprop_driver.engine import FunctionSpec, Judgement, Sample, Task

SPEC = FunctionSpec(
    name="solve_sudoku",
    args=("grid",),
    doc=(
        "Solve a 9x9 Sudoku.\n"
        "grid: a list of 9 lists of 9 ints; 0 marks an empty cell, 1-9 are given clues.\n"
        "Return a new 9x9 list of lists of ints in 1-9 where every row, column and 3x3 box holds each\n"
        "digit once and every given clue is kept. Do not modify the input."
    ),
)

_BASE = [[(3 * (r % 3) + r // 3 + c) % 9 + 1 for c in range(9)] for r in range(9)]


def _shuffled_solution(rng: random.Random) -> list[list[int]]:
    digits = list(range(1, 10))
    rng.shuffle(digits)
    bands = rng.sample(range(3), 3)
    rows = [3 * band + r for band in bands for r in rng.sample(range(3), 3)]
    stacks = rng.sample(range(3), 3)
    cols = [3 * stack + c for stack in stacks for c in rng.sample(range(3), 3)]
    return [[digits[_BASE[r][c] - 1] for c in cols] for r in rows]


def make_samples(count: int, n_blanks: int, seed: int) -> list[Sample]:
    """Puzzles with ``n_blanks`` empty cells; ``expected`` is one solution (any valid one scores fully)."""
    rng = random.Random(seed)
    samples = []
    for _ in range(count):
        solution = _shuffled_solution(rng)
        puzzle = [row[:] for row in solution]
        for cell in rng.sample(range(81), n_blanks):
            puzzle[cell // 9][cell % 9] = 0
        samples.append(Sample(puzzle, solution))
    return samples


def _groups(grid: list[list[int]]) -> list[list[int]]:
    rows = [list(row) for row in grid]
    cols = [[grid[r][c] for r in range(9)] for c in range(9)]
    boxes = [
        [grid[3 * br + r][3 * bc + c] for r in range(3) for c in range(3)]
        for br in range(3)
        for bc in range(3)
    ]
    return rows + cols + boxes


def score_sudoku(output: object, sample: Sample) -> Judgement:
    """1 for a valid grid keeping every clue; partial credit for valid groups; 0 for a malformed grid."""
    grid = output
    if not (
        isinstance(grid, list) and len(grid) == 9 and all(isinstance(r, list) and len(r) == 9 for r in grid)
    ):
        return Judgement(0.0, False, "not a 9x9 list of lists")
    if any(not isinstance(v, int) or not 1 <= v <= 9 for row in grid for v in row):
        return Judgement(0.0, False, "cells must be ints in 1-9")
    clues_kept = all(
        v == 0 or grid[r][c] == v for r, row in enumerate(sample.input) for c, v in enumerate(row)
    )
    valid_groups = sum(sorted(group) == list(range(1, 10)) for group in _groups(grid))
    if not clues_kept:
        return Judgement(0.5 * valid_groups / 27, False, "a given clue was changed")
    if valid_groups < 27:
        return Judgement(valid_groups / 27, False, "repeated digits in a row, column or box")
    return Judgement(1.0, True)


TASK = Task(SPEC, score_sudoku)

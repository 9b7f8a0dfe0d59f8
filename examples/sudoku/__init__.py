"""The Sudoku example: open-loop training on puzzles (``train_sudoku.py``)."""

"""Examples of the LangProp engine beyond driving: Sudoku (open loop) and CartPole (closed loop)."""

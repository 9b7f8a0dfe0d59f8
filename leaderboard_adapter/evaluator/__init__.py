"""The embedded leaderboard evaluator: run agents over routes in the embedded world, score them, write results."""

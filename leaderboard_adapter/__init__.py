"""Everything that speaks to a leaderboard evaluator: agent base, routes, world views, the embedded world, criteria and results."""

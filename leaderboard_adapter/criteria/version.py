"""LeaderboardVersion: the leaderboard generation whose criteria are reproduced.

The same generations as the agents' construction convention (1.0; 2.x = 2.0, 2.1 and master,
whose criteria are identical), so it is that enum under the name the criteria read best with.
"""

from leaderboard_adapter.autoagents.convention import Convention as LeaderboardVersion

__all__ = ["LeaderboardVersion"]

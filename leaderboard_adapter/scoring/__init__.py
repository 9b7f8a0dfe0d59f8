"""Leaderboard scoring: infraction events, penalty schemes, route and global records, results JSON."""

from leaderboard_adapter.scoring.global_record import (
    LABELS,
    GlobalRecord,
    compute_global_record,
    entry_status_for,
)
from leaderboard_adapter.scoring.infractions import InfractionEvent, InfractionType
from leaderboard_adapter.scoring.penalties import (
    LEADERBOARD_1_0,
    LEADERBOARD_2_0,
    LEADERBOARD_2_1,
    LeaderboardVersion,
    PenaltyScheme,
    PenaltyTable,
    scheme_for_version,
    table_for_scheme,
)
from leaderboard_adapter.scoring.results_file import ResultsFile, ResultsFileError, ResultsFormat
from leaderboard_adapter.scoring.route_record import (
    INFRACTION_KEYS,
    RouteMeta,
    RouteRecord,
    RouteScores,
    build_route_record,
    route_id_for,
)
from leaderboard_adapter.scoring.statuses import EntryStatus, RouteEnding

__all__ = [
    "INFRACTION_KEYS",
    "LABELS",
    "LEADERBOARD_1_0",
    "LEADERBOARD_2_0",
    "LEADERBOARD_2_1",
    "EntryStatus",
    "GlobalRecord",
    "InfractionEvent",
    "InfractionType",
    "LeaderboardVersion",
    "PenaltyScheme",
    "PenaltyTable",
    "ResultsFile",
    "ResultsFileError",
    "ResultsFormat",
    "RouteEnding",
    "RouteMeta",
    "RouteRecord",
    "RouteScores",
    "build_route_record",
    "compute_global_record",
    "entry_status_for",
    "route_id_for",
    "scheme_for_version",
    "table_for_scheme",
]

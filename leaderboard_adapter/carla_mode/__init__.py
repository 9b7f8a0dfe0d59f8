"""CARLA mode: supervised CARLA servers (CarlaServer) and the real leaderboard evaluator run against them until
each results file is complete (run_job, run_jobs), with the settings read from the environment."""

from .leaderboard_jobs import JobFailed, LeaderboardJob, run_job, run_jobs
from .results_status import ResultsState, ResultsStatus
from .server import CarlaPorts, CarlaServer, CarlaServerConfig, CarlaServerError
from .settings import CARLA_MODE_HELP, CarlaModeSettings, carla_mode_requested

__all__ = [
    "CARLA_MODE_HELP",
    "CarlaModeSettings",
    "CarlaPorts",
    "CarlaServer",
    "CarlaServerConfig",
    "CarlaServerError",
    "JobFailed",
    "LeaderboardJob",
    "ResultsState",
    "ResultsStatus",
    "carla_mode_requested",
    "run_job",
    "run_jobs",
]

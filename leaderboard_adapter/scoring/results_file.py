"""The results file (the leaderboard's checkpoint JSON): create, resume, add records, finalise.

Layout, as leaderboard 2.x writes it (`json.dump(..., indent=4)`, no trailing newline)::

    {"_checkpoint": {"global_record": {...} | {}, "progress": [done, total], "records": [...]},
     "entry_status": "Started" | "Finished" | ..., "eligible": bool,
     "sensors": [...], "values": [...], "labels": [...]}

Every write goes to a temporary file in the same folder, is fsynced, then `os.replace`d
over the results file, so an interrupted run leaves either the previous or the new
complete file, never a truncated one.

Deliberate differences from the leaderboard, which on a bad checkpoint prints a line and
silently starts over (clearing the file): here an unreadable, malformed or mismatching file
raises `ResultsFileError` naming the file and the problem, and `create` refuses to replace
an existing file unless told to.

With `ResultsFormat.V1_0` (`--leaderboard-version 1.0`) the file is written exactly as leaderboard
1.0 writes it (see `results_v1`), and such a file is resumed.
"""

from __future__ import annotations

import enum
import json
import logging
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from leaderboard_adapter.autoagents.convention import Convention
from leaderboard_adapter.scoring.global_record import (
    LABELS,
    GlobalRecord,
    compute_global_record,
    entry_status_for,
)
from leaderboard_adapter.scoring.results_v1 import (
    LABELS_V1,
    final_entry_status_v1,
    global_record_v1,
    parse_entry_status_v1,
    record_from_json_v1,
    record_to_json_v1,
    values_v1,
)
from leaderboard_adapter.scoring.route_record import RouteRecord
from leaderboard_adapter.scoring.statuses import ROUTE_STARTED, EntryStatus

logger = logging.getLogger(__name__)

JSON_INDENT = 4
"""Indentation of the results file, as the leaderboard's `save_dict`."""

_TOP_KEYS = ("_checkpoint", "entry_status", "eligible", "sensors", "values", "labels")
_CHECKPOINT_KEYS = ("global_record", "progress", "records")


class ResultsFormat(enum.Enum):
    """Which leaderboard's results file is written: 2.x's (the default) or 1.0's (`results_v1`)."""

    V2_X = "2.x"
    V1_0 = "1.0"

    @classmethod
    def for_version(cls, leaderboard_version: str) -> ResultsFormat:
        """The format of a `--leaderboard-version` ("1.0" gives V1_0; "2.0", "2.1", "2.x" give V2_X)."""
        return cls.V1_0 if Convention.parse(leaderboard_version) is Convention.V1_0 else cls.V2_X


class ResultsFileError(Exception):
    """A results file that cannot be read, resumed or created; the message names the file."""

    def __init__(self, path: Path | str, problem: str) -> None:
        super().__init__(f"results file {str(path)!r}: {problem}")
        self.path = Path(path)
        self.problem = problem


def write_json_atomically(path: Path, data: Any, *, sort_keys: bool = False) -> None:
    """Write `data` as the leaderboard does (indent 4; 1.0 also sorts keys) to `path` via a temporary
    file and `os.replace`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "w", encoding="utf-8") as handle:
            json.dump(data, handle, indent=JSON_INDENT, sort_keys=sort_keys)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


class ResultsFile:
    """One run's results file, kept in memory and rewritten after every change.

    Typical use by an evaluator::

        results = ResultsFile.create(path, total_routes)            # or ResultsFile.resume(path, route_ids)
        for index in range(results.resume_index, total_routes):
            record = build_route_record(...)
            results.add_record(record, entry_status=ending.entry_status)
            if ending.stops_evaluation: break                          # crashed: no global record
        else:
            results.finalise(sensors_initialized=True)
    """

    def __init__(
        self,
        path: Path | str,
        total_routes: int,
        records: Sequence[RouteRecord] = (),
        resume_index: int = 0,
        results_format: ResultsFormat = ResultsFormat.V2_X,
    ):
        if isinstance(total_routes, bool) or not isinstance(total_routes, int) or total_routes < 1:
            raise ValueError(f"total_routes must be an int >= 1, got {total_routes!r}")
        if not 0 <= resume_index <= total_routes:
            raise ValueError(f"resume_index must be within [0, {total_routes}], got {resume_index}")
        self.path = Path(path)
        self.total_routes = total_routes
        self._records: list[RouteRecord] = list(records)
        self._resume_index = resume_index
        self._progress_done = resume_index
        self.entry_status = EntryStatus.STARTED
        self.sensors: list[str] = []
        self.global_record: GlobalRecord | None = None
        self.values: list[str] = []
        self.labels: list[str] = []
        self.invalid_reason: str | None = None
        self.results_format = results_format
        self._global_v1: dict[str, Any] = {}
        self._final_v1: tuple[str, bool] | None = None

    # ----------------------------------------------------------------- opening

    @classmethod
    def create(
        cls,
        path: Path | str,
        total_routes: int,
        *,
        overwrite: bool = False,
        results_format: ResultsFormat = ResultsFormat.V2_X,
    ) -> ResultsFile:
        """Start a new results file for `total_routes` routes and write it (progress [0, total]).

        Raises ResultsFileError when the file exists and `overwrite` is False.
        """
        path = Path(path)
        if path.exists() and not overwrite:
            raise ResultsFileError(path, "already exists; resume it, remove it, or pass overwrite=True")
        results = cls(path, total_routes, results_format=results_format)
        results.write()
        return results

    @classmethod
    def resume(
        cls, path: Path | str, route_ids: Sequence[str], results_format: ResultsFormat = ResultsFormat.V2_X
    ) -> ResultsFile:
        """Open an existing results file to go on with the run whose routes are `route_ids`.

        `route_ids` lists the run's record ids in order ('RouteScenario_3_rep0', ...). Keeps
        the scored records; `resume_index` is where the run goes on, as the leaderboard's
        `RouteIndexer.validate_and_resume` computes it (the progress count, one route earlier
        when the entry crashed). Nothing is written until the next change. Raises
        ResultsFileError when the file is missing, is not valid JSON, lacks keys, has an
        'Invalid' entry, was written for another number of routes, or its records do not
        match `route_ids`.
        """
        path = Path(path)
        v1 = results_format is ResultsFormat.V1_0
        data = load_results_json(path, results_format)
        total = len(route_ids)
        entry_status = data["entry_status"]
        if not entry_status and not v1:
            raise ResultsFileError(path, "'entry_status' is empty")
        try:
            status = parse_entry_status_v1(entry_status) if v1 else EntryStatus.parse(entry_status)
        except ValueError as error:
            raise ResultsFileError(path, str(error)) from None
        if status is EntryStatus.INVALID:
            raise ResultsFileError(path, "its 'entry_status' is 'Invalid'; it cannot be resumed")
        checkpoint = data["_checkpoint"]
        progress = checkpoint["progress"]
        if progress[1] != total:
            raise ResultsFileError(path, f"written for {progress[1]} routes, but this run has {total}")
        records = checkpoint["records"]
        if len(records) > total:
            raise ResultsFileError(path, f"holds {len(records)} records for a run of {total} routes")
        for position, record in enumerate(records):
            if record.route_id != route_ids[position]:
                raise ResultsFileError(
                    path,
                    f"record {position} is {record.route_id!r} but this run's route {position} is "
                    f"{route_ids[position]!r}; the routes do not match",
                )
        resume_index = progress[0]
        if resume_index > len(records):
            # The leaderboard's patch for a progress ahead of the records: it goes back one
            # record before the first missing one.
            logger.warning(
                "%s: progress says %d routes done but only %d records are stored",
                path,
                resume_index,
                len(records),
            )
            resume_index = max(len(records) - 1, 0)
        if status is EntryStatus.CRASHED:
            resume_index = max(0, resume_index - 1)  # the leaderboard repeats the route that crashed
        return cls(path, total, records, resume_index, results_format)

    # ----------------------------------------------------------------- state

    @property
    def records(self) -> tuple[RouteRecord, ...]:
        """The scored records, by route index."""
        return tuple(self._records)

    @property
    def progress(self) -> tuple[int, int]:
        """(routes done, total routes), as written under `_checkpoint.progress`."""
        return (self._progress_done, self.total_routes)

    @property
    def resume_index(self) -> int:
        """Index of the first route to run (0 for a new file)."""
        return self._resume_index

    @property
    def done_indices(self) -> frozenset[int]:
        """Indices of the routes already scored that a resumed run skips."""
        return frozenset(record.index for record in self._records if record.index < self._resume_index)

    @property
    def eligible(self) -> bool:
        """Whether the entry is eligible (only a finished one is; 1.0 also one finished with agent errors)."""
        if self._final_v1 is not None:
            return self._final_v1[1]
        return self.entry_status.eligible

    @property
    def entry_status_text(self) -> str:
        """The `entry_status` as written (1.0 adds 'Finished with missing data' / '... agent errors')."""
        return self._final_v1[0] if self._final_v1 is not None else self.entry_status.value

    # ----------------------------------------------------------------- changes

    def set_sensors(self, sensor_icons: Sequence[str]) -> None:
        """Save the agent's sensor icons ('carla_camera', ...) and write the file."""
        self.sensors = list(sensor_icons)
        self.write()

    def add_record(self, record: RouteRecord, entry_status: EntryStatus = EntryStatus.STARTED) -> None:
        """Store a scored route (replacing a re-run one), advance progress to `record.index + 1`, write.

        `entry_status` is what the evaluator saves with the route: STARTED normally,
        `RouteEnding.entry_status` after a failure (CRASHED, REJECTED).
        """
        if record.index > len(self._records):
            raise ValueError(
                f"record index {record.index} leaves a gap: only {len(self._records)} records are stored"
            )
        if record.index >= self.total_routes:
            raise ValueError(f"record index {record.index} is outside this run of {self.total_routes} routes")
        if record.index == len(self._records):
            self._records.append(record)
        else:
            self._records[record.index] = record
        self._progress_done = record.index + 1
        self.entry_status = entry_status
        self._final_v1 = None
        self.write()

    def finalise(self, *, sensors_initialized: bool = True) -> GlobalRecord:
        """Compute the global record, values, labels and entry status; validate; write.

        Call only when the run was not stopped by a crash (the leaderboard computes no
        global record then). Where the data is incomplete (missing sensors, progress not at
        its total, fewer records than routes) the entry becomes 'Invalid' and
        `invalid_reason` says why, as in `validate_and_write_statistics`.
        """
        global_record = compute_global_record(self._records, self.total_routes)
        self.global_record = global_record
        if self.results_format is ResultsFormat.V1_0:
            self._global_v1 = global_record_v1(self._records, self.total_routes)
            self.values = values_v1(self._global_v1)
            self.labels = list(LABELS_V1)
            self._final_v1 = final_entry_status_v1(self._records, self.progress, self.total_routes)
            self.entry_status = parse_entry_status_v1(self._final_v1[0])
            self.write()
            return global_record
        self.values = global_record.values()
        self.labels = list(LABELS)
        self.entry_status = entry_status_for(self._records)
        self.invalid_reason = self._validation_error(sensors_initialized)
        if self.invalid_reason is not None:
            logger.error(
                "The statistics are badly formed, setting their status to 'Invalid': %s", self.invalid_reason
            )
            self.entry_status = EntryStatus.INVALID
        self.write()
        return global_record

    def _validation_error(self, sensors_initialized: bool) -> str | None:
        if sensors_initialized and not self.sensors:
            return "Missing 'sensors' data"
        if not self.values:
            return "Missing 'values' data"
        if self.entry_status is EntryStatus.STARTED:
            return "'entry_status' has the 'Started' value"
        done, total = self.progress
        if done != total or done != len(self._records):
            return "'progress' data doesn't match its expected value"
        if any(record.status == ROUTE_STARTED for record in self._records):
            return "Found a route record with missing data"
        return None

    # ----------------------------------------------------------------- output

    def to_json(self) -> dict[str, Any]:
        """The whole file's content, keys in the leaderboard's order (1.0: sorted when written)."""
        if self.results_format is ResultsFormat.V1_0:
            return self._to_json_v1()
        return {
            "_checkpoint": {
                "global_record": self.global_record.to_json() if self.global_record is not None else {},
                "progress": list(self.progress),
                "records": [record.to_json() for record in self._records],
            },
            "entry_status": self.entry_status.value,
            "eligible": self.eligible,
            "sensors": list(self.sensors),
            "values": list(self.values),
            "labels": list(self.labels),
        }

    def _to_json_v1(self) -> dict[str, Any]:
        # Before the first route 1.0's file has entry_status "" and eligible ""; after each route the
        # status of that route's end with eligible False; at the end its final status.
        started = not self._records and self.entry_status is EntryStatus.STARTED and self._final_v1 is None
        return {
            "_checkpoint": {
                "global_record": dict(self._global_v1) if self._final_v1 is not None else {},
                "progress": list(self.progress),
                "records": [record_to_json_v1(record) for record in self._records],
            },
            "entry_status": "" if started else self.entry_status_text,
            "eligible": "" if started else self.eligible,
            "sensors": list(self.sensors),
            "values": list(self.values),
            "labels": list(self.labels),
        }

    def write(self) -> None:
        """Write the file atomically."""
        write_json_atomically(self.path, self.to_json(), sort_keys=self.results_format is ResultsFormat.V1_0)


def load_results_json(path: Path, results_format: ResultsFormat | None = None) -> dict[str, Any]:
    """Read and check a results file; records are parsed into `RouteRecord`s.

    `results_format`: the leaderboard whose records are expected; None tells them apart (a record
    without `num_infractions` is 1.0's).

    Returns the top-level dict with `_checkpoint.records` replaced by a list of records.
    Raises ResultsFileError naming the file and the first problem found.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ResultsFileError(path, "does not exist") from None
    except OSError as error:
        raise ResultsFileError(path, f"cannot be read ({error.strerror})") from None
    if not text.strip():
        raise ResultsFileError(path, "is empty")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise ResultsFileError(
            path, f"is not valid JSON ({error.msg} at line {error.lineno}, column {error.colno})"
        ) from None
    if not isinstance(data, dict):
        raise ResultsFileError(path, f"top level is a {type(data).__name__}, expected an object")
    missing = [key for key in _TOP_KEYS if key not in data]
    if missing:
        raise ResultsFileError(path, f"missing top-level keys {missing}")
    checkpoint = data["_checkpoint"]
    if not isinstance(checkpoint, dict):
        raise ResultsFileError(path, "'_checkpoint' is not an object")
    missing = [key for key in _CHECKPOINT_KEYS if key not in checkpoint]
    if missing:
        raise ResultsFileError(path, f"'_checkpoint' lacks keys {missing}")
    progress = checkpoint["progress"]
    if (
        not isinstance(progress, list)
        or len(progress) != 2
        or not all(isinstance(p, int) and not isinstance(p, bool) and p >= 0 for p in progress)
        or progress[0] > progress[1]
    ):
        raise ResultsFileError(
            path, f"'_checkpoint.progress' must be [done, total] with 0 <= done <= total, got {progress!r}"
        )
    raw_records = checkpoint["records"]
    if not isinstance(raw_records, list):
        raise ResultsFileError(path, "'_checkpoint.records' is not a list")
    records = []
    for position, raw in enumerate(raw_records):
        v1 = results_format is ResultsFormat.V1_0 or (
            results_format is None and isinstance(raw, dict) and "num_infractions" not in raw
        )
        parse = record_from_json_v1 if v1 else RouteRecord.from_json
        try:
            record = parse(raw, where=f"_checkpoint.records[{position}]")
        except ValueError as error:
            raise ResultsFileError(path, str(error)) from None
        if record.index != position:
            raise ResultsFileError(
                path, f"_checkpoint.records[{position}] has index {record.index}, expected {position}"
            )
        records.append(record)
    checkpoint = dict(checkpoint, records=records)
    return dict(data, _checkpoint=checkpoint)

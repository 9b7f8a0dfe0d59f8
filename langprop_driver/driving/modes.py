"""TrainingMode: which frames become samples and which score terms apply (LangProp's four regimes)."""

from __future__ import annotations

import enum


class TrainingMode(enum.Enum):
    """The training regimes compared in the LangProp paper.

    OFFLINE_IMITATION  frames the expert drove; score = imitation of the expert's action.
    DAGGER_IMITATION   every frame (the policy drove, the expert labelled); score = imitation.
    DAGGER_PENALTY     every frame; score = imitation minus the infraction penalty (the default).
    ONLINE             frames that led to an infraction only; score = minus the infraction
                       penalty, no imitation term.
    """

    OFFLINE_IMITATION = "offline"
    DAGGER_IMITATION = "dagger"
    DAGGER_PENALTY = "dagger_penalty"
    ONLINE = "online"

    @classmethod
    def parse(cls, value: TrainingMode | str) -> TrainingMode:
        """The mode of a member or of its value ("offline", "dagger", ...); ValueError listing the values."""
        try:
            return cls(value)
        except ValueError:
            values = ", ".join(repr(m.value) for m in cls)
            raise ValueError(f"unknown training mode {value!r}; expected one of {values}") from None

    @property
    def imitates(self) -> bool:
        """Whether the score has the imitation term (all modes but ONLINE)."""
        return self is not TrainingMode.ONLINE

    @property
    def penalises(self) -> bool:
        """Whether repeating an action that led to an infraction is penalised."""
        return self in (TrainingMode.DAGGER_PENALTY, TrainingMode.ONLINE)

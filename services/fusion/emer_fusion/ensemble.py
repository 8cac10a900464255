"""Several fusions of one clip (backends, prompts, strategies) merged by label voting.

Published work on EMER found that ensembles of descriptions beat single ones; here each
member fuses the same clues and the labels are voted: a label's vote is the sum over members
of its score relative to that member's best label, times the member's weight.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from emer_common.contracts import ALL_MODALITIES, ClueReport, EmotionLabel, Modality
from emer_common.vocabulary import EmotionVocabulary
from emer_fusion.explanation import compose_explanation
from emer_fusion.fuse import LABEL_KEEP_RATIO, Fuser, FusionOutput


@dataclass(frozen=True)
class Member:
    fuser: Fuser
    weight: float = 1.0


class EnsembleFuser:
    def __init__(self, members: Sequence[Member], max_labels: int = 4) -> None:
        if not members:
            raise ValueError("an ensemble needs at least one member")
        self.members = tuple(members)
        self.max_labels = max_labels
        self.vocabulary: EmotionVocabulary = members[0].fuser.vocabulary

    def fuse(
        self, clues: Mapping[Modality, ClueReport], missing: tuple[Modality, ...] = ()
    ) -> FusionOutput:
        outputs = [m.fuser.fuse(clues, missing) for m in self.members]
        labels = self.vote(outputs)
        return FusionOutput(
            explanation=self._explanation(clues, missing, outputs, labels),
            labels=labels,
            models=tuple(dict.fromkeys(m for o in outputs for m in o.models)),
            prompt_version="+".join(dict.fromkeys(o.prompt_version for o in outputs)),
            errors=tuple(e for o in outputs for e in o.errors),
        )

    def vote(self, outputs: Sequence[FusionOutput]) -> tuple[EmotionLabel, ...]:
        votes: dict[str, float] = {}
        support: dict[str, set[Modality]] = {}
        total_weight = sum(m.weight for m in self.members)
        for member, output in zip(self.members, outputs, strict=True):
            best = max((label.score for label in output.labels), default=0.0) or 1.0
            for label in output.labels:
                votes[label.label] = (
                    votes.get(label.label, 0.0) + member.weight * label.score / best
                )
                support.setdefault(label.label, set()).update(label.modalities)
        if not votes:
            return ()
        ranked = sorted(votes, key=lambda w: (-votes[w], w))
        top = votes[ranked[0]]
        return tuple(
            EmotionLabel(
                label=word,
                score=round(votes[word] / total_weight, 4),
                modalities=tuple(m for m in ALL_MODALITIES if m in support[word]),
            )
            for word in ranked[: self.max_labels]
            if votes[word] >= LABEL_KEEP_RATIO * top
        )

    def _explanation(
        self,
        clues: Mapping[Modality, ClueReport],
        missing: tuple[Modality, ...],
        outputs: Sequence[FusionOutput],
        labels: tuple[EmotionLabel, ...],
    ) -> str:
        """The generative member whose labels agree most with the vote, else the clues."""
        voted = {label.label for label in labels}
        written = [
            (len(voted & {label.label for label in o.labels}), o.explanation)
            for member, o in zip(self.members, outputs, strict=True)
            if member.fuser.strategy == "generative" and o.explanation
        ]
        summary = f"{len(outputs)} fusions voted: " + ", ".join(
            f"{label.label} ({label.score:.2f})" for label in labels
        )
        if written:
            return max(written, key=lambda x: x[0])[1] + f" ({summary}.)"
        return compose_explanation(clues, missing, labels, self.vocabulary) + f" ({summary}.)"

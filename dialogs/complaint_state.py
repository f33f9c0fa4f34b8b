"""A complaint draft: the step it is at and everything collected so far, and its stored form."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from dialogs.complaint_io import Attachment

STEPS: Final = (
    "describe",
    "follow_up",
    "category",
    "dimension",
    "severity",
    "contact",
    "phone",
    "confirm",
    "done",
    "cancelled",
)
FINISHED_STEPS: Final = frozenset({"done", "cancelled"})


@dataclass(frozen=True)
class ComplaintState:
    """A complaint draft: the step it is at and everything collected so far."""

    draft_id: int
    step: str = "describe"
    description: str = ""
    attachments: tuple[Attachment, ...] = ()
    asked_follow_up: bool = False
    category_auto: str | None = None
    category_confidence: float = 0.0
    category: str | None = None
    category_runner_up: str | None = None
    category_secondary: str | None = None
    category_evidence: tuple[str, ...] = ()
    classifier_version: str | None = None
    category_listed: bool = False  # the customer asked for every category instead of the two offered
    # Who gave the category: None (the classifier, confirmed), "customer" or "customer_pick".
    category_source: str | None = None
    dimension_auto: str | None = None
    dimension: str | None = None
    severity: str | None = None
    wants_contact: bool | None = None
    phone: str | None = None
    reviewed: bool = False  # the summary was shown once: later edits return to it

    def to_json(self) -> dict[str, Any]:
        """A JSON-serialisable form for storage."""
        return {
            "draft_id": self.draft_id,
            "step": self.step,
            "description": self.description,
            "attachments": [list(a) for a in self.attachments],
            "asked_follow_up": self.asked_follow_up,
            "category_auto": self.category_auto,
            "category_confidence": self.category_confidence,
            "category": self.category,
            "category_runner_up": self.category_runner_up,
            "category_secondary": self.category_secondary,
            "category_evidence": list(self.category_evidence),
            "classifier_version": self.classifier_version,
            "category_listed": self.category_listed,
            "category_source": self.category_source,
            "dimension_auto": self.dimension_auto,
            "dimension": self.dimension,
            "severity": self.severity,
            "wants_contact": self.wants_contact,
            "phone": self.phone,
            "reviewed": self.reviewed,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ComplaintState:
        """Rebuild a state stored with to_json; raises ValueError for an unknown step."""
        if data["step"] not in STEPS:
            raise ValueError(f"unknown complaint step {data['step']!r}")
        return cls(
            draft_id=int(data["draft_id"]),
            step=str(data["step"]),
            description=str(data.get("description", "")),
            attachments=tuple(Attachment(str(k), str(f)) for k, f in data.get("attachments", ())),
            asked_follow_up=bool(data.get("asked_follow_up", False)),
            category_auto=data.get("category_auto"),
            category_confidence=float(data.get("category_confidence", 0.0)),
            category=data.get("category"),
            category_runner_up=data.get("category_runner_up"),
            category_secondary=data.get("category_secondary"),
            category_evidence=tuple(str(word) for word in data.get("category_evidence", ())),
            classifier_version=data.get("classifier_version"),
            category_listed=bool(data.get("category_listed", False)),
            category_source=data.get("category_source"),
            dimension_auto=data.get("dimension_auto"),
            dimension=data.get("dimension"),
            severity=data.get("severity"),
            wants_contact=data.get("wants_contact"),
            phone=data.get("phone"),
            reviewed=bool(data.get("reviewed", False)),
        )

    @property
    def finished(self) -> bool:
        """True once submitted or cancelled."""
        return self.step in FINISHED_STEPS

"""The complaint classifier's data in this deployment: people's labels and the retrained models."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ClassifierModel, ComplaintLabel


@dataclass(frozen=True)
class StoredLabel:
    """A label as the retraining reads it."""

    id: int
    text: str
    label: str
    source: str


@dataclass(frozen=True)
class ClassifierStats:
    """What /classifier shows: the active deployment model (if any) and the labels collected."""

    active: ClassifierModel | None
    labels_total: int
    labels_since: int


class ClassifierRepository:
    """Labels given by customers and admins, and the models retrained from them."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def labels(self) -> list[StoredLabel]:
        """Every label with text, oldest first (erased complaints have none)."""
        rows = await self.session.scalars(
            select(ComplaintLabel).where(ComplaintLabel.text != "").order_by(ComplaintLabel.id)
        )
        return [StoredLabel(r.id, r.text, r.label, r.source) for r in rows]

    async def stats(self, since: datetime) -> ClassifierStats:
        """The active model and how many labels there are, in all and since ``since``."""
        total = await self.session.scalar(select(func.count()).select_from(ComplaintLabel))
        recent = await self.session.scalar(
            select(func.count()).select_from(ComplaintLabel).where(ComplaintLabel.created_at >= since)
        )
        return ClassifierStats(await self.active(), int(total or 0), int(recent or 0))

    async def active(self) -> ClassifierModel | None:
        """The deployment's active model, if one was ever switched to."""
        return (await self.session.scalars(select(ClassifierModel).where(ClassifierModel.active))).first()

    async def save_model(
        self,
        *,
        version: str,
        model_json: str,
        accuracy_before: float,
        accuracy_after: float,
        corrections: int,
        activate: bool,
    ) -> ClassifierModel:
        """Store a retrained model; when ``activate``, it replaces the active one."""
        if activate:
            await self.session.execute(
                update(ClassifierModel).where(ClassifierModel.active).values(active=False)
            )
        existing = (
            await self.session.scalars(select(ClassifierModel).where(ClassifierModel.version == version))
        ).first()
        model = existing or ClassifierModel(version=version, model_json=model_json)
        model.accuracy_before, model.accuracy_after = accuracy_before, accuracy_after
        model.corrections, model.active = corrections, activate or model.active
        self.session.add(model)
        await self.session.flush()
        return model

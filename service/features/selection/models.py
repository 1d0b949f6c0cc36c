"""The selection feature's table (rounds themselves are the core's `Campaign`)."""
from __future__ import annotations

from sqlalchemy import ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ...core.models import Base


class SelectionEntry(Base):
    """One live selection case per person per round; the unique key settles races."""
    __tablename__ = "selection_entries"
    __table_args__ = (UniqueConstraint("campaign_id", "user_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    instance_id: Mapped[int] = mapped_column(ForeignKey("instances.id"))

"""Every table of the service in one namespace: the core's and each feature's, all on one
`Base.metadata` (what Alembic migrates and the tests reset)."""
from __future__ import annotations

from .core.models import (  # noqa: F401
    Attachment, Base, Campaign, Department, DirectoryRevision, EmailOutbox, HistoryEvent, HumanTask,
    Instance, JobRun, JobStatus, LoginFailure, Notification, ProcessDefinition, Setting, TaskDraft, Unit, User,
    UserRole, WebSession, localnow,
)
from .features.rewards.models import Reward  # noqa: F401
from .features.selection.models import SelectionEntry  # noqa: F401
from .features.talents.models import (  # noqa: F401
    ServiceBreach, Talent, TalentCertificate, TalentEvaluation, TalentMentor, TalentPlan, TalentPractice, TalentRecord,
    TalentStatusChange, TalentTraining,
)

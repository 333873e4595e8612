"""What the API accepts and returns for appeals."""

from datetime import datetime
from typing import Literal

from pydantic import BaseModel

from moderation.redress import AppealStatus
from service.appeals.models import Appeal
from service.core.schemas import Explanation, Schema
from service.statements.models import StatementOfReasons
from service.statements.schemas import StatementPublic


class AppealCreate(BaseModel):
    explanation: Explanation
    """Why the decision was wrong."""


class AppealDecisionCreate(BaseModel):
    outcome: Literal[AppealStatus.UPHELD, AppealStatus.REVERSED]
    explanation: Explanation
    """Told to the appellant."""


class AppealPublic(Schema):
    id: int
    statement_id: int
    comment_id: int | None
    explanation: str
    status: AppealStatus
    created_at: datetime
    decided_at: datetime | None
    decision_explanation: str | None


class AppealAdmin(AppealPublic):
    appellant_id: int
    decided_by: int | None
    statement: StatementPublic

    @classmethod
    def of(cls, appeal: Appeal, statement: StatementOfReasons) -> "AppealAdmin":
        return cls(
            **AppealPublic.model_validate(appeal).model_dump(),
            appellant_id=appeal.appellant_id,
            decided_by=appeal.decided_by,
            statement=StatementPublic.of(statement),
        )


class AppealAdminPage(Schema):
    items: list[AppealAdmin]
    next_cursor: str | None

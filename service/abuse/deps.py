"""The spam checks' outside parts as a request dependency."""

from typing import Annotated

from fastapi import Depends, Request

from service.abuse.screening import Screening


async def get_screening(request: Request) -> Screening:
    screening: Screening = request.app.state.screening
    return screening


ScreeningDep = Annotated[Screening, Depends(get_screening)]

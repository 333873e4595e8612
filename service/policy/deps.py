"""The policy store as a request dependency."""

from typing import Annotated

from fastapi import Depends, Request

from service.policy.service import PolicyStore


async def get_policy_store(request: Request) -> PolicyStore:
    store: PolicyStore = request.app.state.policy
    return store


PolicyDep = Annotated[PolicyStore, Depends(get_policy_store)]

"""The base of every response schema."""

from pydantic import BaseModel, ConfigDict


class Schema(BaseModel):
    """Reads attributes, so a table row can be validated into its public shape directly."""

    model_config = ConfigDict(from_attributes=True)

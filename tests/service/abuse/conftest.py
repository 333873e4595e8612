"""The local receiver of the external moderation hook, for this folder's tests."""

from tests.support.receiver import receiver

__all__ = ["receiver"]

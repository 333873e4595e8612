"""How readers' reactions rank comments ("best first").

A comment ranks by the lower bound of the Wilson score interval for its share of likes: how
well liked it is at least, given how many readers judged it. A comment liked 3 times and
never disliked is not yet known to be better than one liked 300 times and disliked 20 times,
and ranks below it; a comment nobody reacted to ranks at 0."""

import math

CONFIDENCE_Z = 1.96
"""95 % confidence: the bound is the share of likes the comment has at least, 19 times in 20."""


def wilson_lower_bound(likes: int, dislikes: int, *, z: float = CONFIDENCE_Z) -> float:
    judged = likes + dislikes
    if judged <= 0:
        return 0.0
    share = likes / judged
    z_squared = z * z
    centre = share + z_squared / (2 * judged)
    spread = z * math.sqrt((share * (1 - share) + z_squared / (4 * judged)) / judged)
    return max(0.0, (centre - spread) / (1 + z_squared / judged))

"""Units of the numbers users write: durations and sizes.

The backends convert to whatever unit each AWS property expects (seconds,
days, bytes); see :func:`to_base`.
"""

from __future__ import annotations

from decimal import Decimal

DURATION = "duration"
SIZE = "size"

#: unit -> (dimension, how many base units (seconds or bytes) one of it is)
UNITS: dict[str, tuple[str, int]] = {
    "s": (DURATION, 1),
    "m": (DURATION, 60),
    "h": (DURATION, 3600),
    "d": (DURATION, 86400),
    "B": (SIZE, 1),
    "KB": (SIZE, 1000),
    "MB": (SIZE, 1000**2),
    "GB": (SIZE, 1000**3),
    "KiB": (SIZE, 1024),
    "MiB": (SIZE, 1024**2),
    "GiB": (SIZE, 1024**3),
}


def to_base(value: int | Decimal, unit: str) -> int | Decimal:
    """The value in seconds (durations) or bytes (sizes).

    >>> to_base(4, "d")
    345600
    """
    result = value * UNITS[unit][1]
    if isinstance(result, Decimal) and result == result.to_integral_value():
        return int(result)
    return result

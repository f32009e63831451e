""""Did you mean" suggestions for misspelled names."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def closest(name: str, candidates: Iterable[str]) -> str | None:
    """The candidate closest to ``name``, if any is close enough.

    >>> closest("ondemand", ["on_demand", "provisioned"])
    'on_demand'
    """
    options = sorted(set(candidates))
    lowered = {c.lower(): c for c in options}
    if name.lower() in lowered:
        return lowered[name.lower()]
    matches = difflib.get_close_matches(name, options, n=1, cutoff=0.6)
    return matches[0] if matches else None


def did_you_mean(name: str, candidates: Iterable[str]) -> str | None:
    match = closest(name, candidates)
    return f"did you mean `{match}`?" if match else None

""""Did you mean" suggestions for misspelled names."""

from __future__ import annotations

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
    import difflib  # here: only a mistake needs it, and every command loads this module

    matches = difflib.get_close_matches(name, options, n=1, cutoff=0.6)
    return matches[0] if matches else None


def did_you_mean(name: str, candidates: Iterable[str], shape: str = "{}") -> str | None:
    """``did you mean `on_demand`?``; ``shape`` writes the candidate (``"{{{}}}"`` for ``{stage}``)."""
    match = closest(name, candidates)
    return f"did you mean `{shape.format(match)}`?" if match else None


def article(word: str) -> str:
    """``an `index```, ``a `table```: the article for a word as it is shown.

    >>> article("index"), article("user_pool"), article("update_replace_policy")
    ('an', 'a', 'an')
    """
    word = word.lower()
    if word.startswith(("us", "uni", "use")):  # read with a "y" sound: a user pool
        return "a"
    return "an" if word[:1] in "aeiou" else "a"

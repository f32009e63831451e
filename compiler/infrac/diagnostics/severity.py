"""How serious a finding is: an error stops a build, a warning does not (unless the
project or ``--warnings-as-errors`` makes it one)."""

import enum


class Severity(str, enum.Enum):
    ERROR = "error"
    WARNING = "warning"

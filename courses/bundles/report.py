"""What an import did (or, in a dry run, would do), per bundle."""

from collections import Counter
from dataclasses import dataclass, field

OUTCOMES = ("created", "updated", "unchanged", "unpublished", "deleted", "kept")


@dataclass
class BundleReport:
    """Counts per kind of object and outcome, plus a note for everything that left the bundle."""

    slug: str
    counts: dict[str, Counter[str]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def count(self, kind: str, outcome: str, number: int = 1) -> None:
        self.counts.setdefault(kind, Counter())[outcome] += number

    def note(self, kind: str, outcome: str, message: str) -> None:
        """Count an object that is no longer in the bundle and say what happened to it."""
        self.count(kind, outcome)
        self.notes.append(message)

    def total(self, kind: str, outcome: str) -> int:
        return self.counts.get(kind, Counter())[outcome]

    def summary_lines(self) -> list[str]:
        """One line per kind: ``questions: 3 created, 1 updated, 70 unchanged``."""
        lines = []
        for kind, counter in self.counts.items():
            parts = [f"{counter[outcome]} {outcome}" for outcome in OUTCOMES if counter[outcome]]
            if parts:
                lines.append(f"{kind}: {', '.join(parts)}")
        return lines

"""What goes wrong with bundles: a located problem, and the exceptions the package raises."""

from dataclasses import dataclass

from core.exceptions import ApplicationError


@dataclass(frozen=True, order=True)
class Location:
    """A line of a file, the path relative to the bundle folder (``questions/theory.yaml``)."""

    path: str
    line: int = 1

    def __str__(self) -> str:
        return f"{self.path}:{self.line}"


@dataclass(frozen=True, order=True)
class BundleError:
    """One problem found in a bundle, printed as ``path:line: message``."""

    at: Location
    message: str

    def __str__(self) -> str:
        return f"{self.at}: {self.message}"


class BundleInvalid(ApplicationError):
    """One or more bundles have errors; nothing was written to the database.

    ``errors`` maps each bundle folder (as given) to its errors, sorted by file and line.
    """

    def __init__(self, errors: dict[str, list[BundleError]]) -> None:
        self.several = len(errors) > 1
        self.errors = {bundle: sorted(found) for bundle, found in errors.items() if found}
        count = sum(len(found) for found in self.errors.values())
        super().__init__(f"{count} error{'s' if count != 1 else ''} found; nothing was imported.")

    def lines(self) -> list[str]:
        """Every error as ``path:line: message``, under a heading per bundle when several were given."""
        lines: list[str] = []
        for bundle, found in self.errors.items():
            if self.several:
                lines.append(f"In {bundle}:")
            lines.extend(str(error) for error in found)
        return lines


class BundleExportError(ApplicationError):
    """The course cannot be written as a bundle (e.g. two lessons share a key), or the target
    folder is not empty."""

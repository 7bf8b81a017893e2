"""Test bundles. ``demo/`` is a small course in canonical form that uses every part of the
bundle format (docs/bundle-format.md): its export reproduces it byte for byte."""

import shutil
from pathlib import Path

DEMO_BUNDLE = Path(__file__).parent / "demo"


def copy_demo_bundle(target: Path) -> Path:
    """A writable copy of the demo bundle at ``target/demo``."""
    destination = target / "demo"
    shutil.copytree(DEMO_BUNDLE, destination)
    return destination


def bundle_files(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` by relative path, as bytes."""
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }

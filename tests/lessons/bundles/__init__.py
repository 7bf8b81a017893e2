"""Course bundles for the lesson tests only (fixtures/ holds demo and seed data)."""

from pathlib import Path

WALKTHROUGH_BUNDLE = Path(__file__).parent / "walkthrough"

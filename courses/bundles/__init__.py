"""Course bundles: a course as a folder of YAML and Markdown files (docs/bundle-format.md).

``bundle_import`` validates bundles and writes them in one transaction; ``bundle_export`` writes
a course back in one canonical form, so export → import → export gives identical bytes.
"""

from courses.bundles.errors import BundleError, BundleExportError, BundleInvalid, Location
from courses.bundles.exporter import bundle_export, bundle_render
from courses.bundles.importer import bundle_import, bundles_check

__all__ = [
    "BundleError",
    "BundleExportError",
    "BundleInvalid",
    "Location",
    "bundle_export",
    "bundle_import",
    "bundle_render",
    "bundles_check",
]

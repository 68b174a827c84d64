"""Static files in production: hashed names, compressed (WhiteNoise), and our ES modules'
`import … from "./x.js"` rewritten to the hashed names too, so a page and its modules are one
cacheable version (the driver's service worker caches exactly these URLs). Only our own scripts
(`web/…`): vendored bundles (htmx's extensions, Swagger UI) are left as they are."""

from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    patterns = (
        *CompressedManifestStaticFilesStorage.patterns,
        (
            "web/*.js",
            CompressedManifestStaticFilesStorage._js_module_import_aggregation_patterns[1],
        ),
    )

"""Static files in production: WhiteNoise's compressed, hashed copies, with the relative
imports of ES modules rewritten to the hashed names too (Django's
`support_js_module_import_aggregation`), so a page's entry module never loads a stale
module from a browser cache after a deploy. The upload script is plain ES modules served as
they are: no bundler."""

from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    support_js_module_import_aggregation = True

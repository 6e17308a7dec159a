"""Access-matrix rows kept beside the app they belong to, merged into MATRIX.

Each module here has the same shape, so tests/test_url_access_matrix.py can check its routes
like its own:

    MATRIX            {route: {"GET": {persona: answer}, "POST": {...}}}, built with matrix_kit
    MUTATING_ROUTES   routes that refuse GET for everyone (POST-only)
    OBJECT_ROUTES     routes on one object, checked for "forbidden looks like missing"
    MAIN_PAGES        pages whose security headers are checked for every persona
    PUBLIC_ROUTES     (optional) routes anonymous may use
    CASE_CONTENT      GET pages that show case content: one read entry each
    NO_CASE_CONTENT   GET pages that show none
    arrange(route, people, north) -> matrix_kit.Target   the object, URLs and a POST that works
    state() -> dict   everything an accepted POST on these routes could change
"""

import importlib

MODULES = ("providers", "provider_referrals", "mdt", "accounts", "measures", "transfers",
           "privacy", "closure", "pages", "subject_access", "retention")

EXTENSIONS = tuple(importlib.import_module(f"{__name__}.{name}") for name in MODULES)

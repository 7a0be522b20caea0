"""Imported by the batch's fork server before it forks any worker: the engine and the knowledge base.

Loaded once here, their pages are shared by every worker forked after
(``gc.freeze`` keeps the collector from touching, and so copying, them); a
worker that finds nothing preloaded loads both itself, as before. Nothing
here may stop the fork server: a failure only means each worker loads alone.
"""

from __future__ import annotations

import gc

try:
    from ._preload import preload

    preload()
except Exception:  # each worker then loads for itself, and reports what fails where it can be seen
    pass
gc.freeze()

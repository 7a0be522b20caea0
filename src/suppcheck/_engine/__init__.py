"""The engine room: what every rule family and the planner read, apart from the families themselves.

- :mod:`.context`: a regimen resolved against the knowledge base (:class:`~.context.Context`).
- :mod:`.derived`: what the engine derives from one knowledge base, once (rule views, limits by stage).
- :mod:`.select`: which rules apply to a context, the one selection the checker and the planner share.
- :mod:`.findings`: the one keyword-only way to build a finding.
- :mod:`.shared`: number wording, window and timing text, the float tolerance, clock offsets.
- :mod:`.stage`: life stages; :mod:`.separation`: separation windows on a 24-hour cycle.
"""

from __future__ import annotations

__all__: list[str] = []

"""Branch-and-bound search for the best timetable, and a minimal set of conflicting rules.

Doses are placed one at a time (entries linked to others first, an entry's
doses in time order) over every candidate time. The rules become bitmasks
over the candidates once, so extending a partial timetable costs a few
integer operations. A partial timetable is dropped when a lower bound on all
its completions is no better than the best found. The bound counts what is
already broken, then asks of every unplaced entry whether a time is left
that breaks nothing new and is already in use; where none is, a new time (or
a new broken rule) is unavoidable. Moves and lateness are bounded the same
way, so the first best timetable found is optimal.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

from .._engine.shared import TOLERANCE
from .problem import Problem, bad_after, fixed_breaks, moves, structural_problem, timing_ok

# Work per search before it settles for the best found (the plan then says it is not proven optimal): one
# unit per dose placed, per value scored and per entry the bound looks at, which follows the time spent
# within a factor of about three where doses placed alone vary by five. Deterministic, unlike a time limit.
# The second search, which starts from the first's answer and mostly settles lateness, the last criterion,
# gets what the first left of SOLVE_BUDGET. On the corpus of benchmarks/plan_corpus.py a plan() then takes
# under a second of CPU on a loaded machine (benchmarks/RESULTS.md); at the budget before, 30,000 doses
# placed per search, the hardest took 7 s.
WORK_BUDGET = 100_000
SOLVE_BUDGET = 130_000
_FAR = 1 << 62
_NEVER = (_FAR, _FAR, _FAR, _FAR)

Key = tuple[int, int, int, int]
# Of one entry, for the bound: (broken groups it was worked out under, room, whether its doses fit there
# breaking nothing new, its least moves within the room, its least lateness within the room).
Known = tuple[int, int, bool, int, int]
# A value for one position, sorted best first: (weight broken, moves and new time in the preference's
# order, not a time another entry wants, candidate).
Value = tuple[int, int, int, int, int]


class _Level:
    """What the bound keeps for the values tried at one position.

    It holds the entries the dose placed there does not touch: their share is
    the same for every value while the broken groups are.
    """

    __slots__ = ("known", "sums", "used")

    def __init__(self, used: int, known: dict[int, Known]) -> None:
        self.used = used  # times in use before the dose is placed
        self.known = known
        # per broken groups: the entries' least moves within their rooms, and those that do not fit in `used`
        self.sums: dict[int, tuple[int, tuple[tuple[int, int, int], ...]]] = {}


@dataclass(frozen=True, slots=True)
class Result:
    """The timetable found (clock minutes per entry, in entry order) and whether it is proven best."""

    times: tuple[tuple[int, ...], ...]
    optimal: bool
    nodes: int  # doses placed
    work: int = 0  # what the budget counts


@lru_cache(maxsize=64)
def _tables(window: tuple[float, float], candidates: tuple[int, ...]) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Clashing candidates as bitmasks: partner times per subject time, subject times per partner time."""
    bad = bad_after(*window)
    forward = [0] * len(candidates)
    backward = [0] * len(candidates)
    for i, s in enumerate(candidates):
        for j, p in enumerate(candidates):
            if bad[(p - s) % 1440]:
                forward[i] |= 1 << j
                backward[j] |= 1 << i
    return tuple(forward), tuple(backward)


@dataclass(frozen=True)
class Compiled:
    """A problem's groups as bitmasks over its candidates, built once for every search on it."""

    problem: Problem
    off: tuple[int, ...]
    unary: tuple[tuple[int, tuple[int, ...]], ...]  # per group: (bad candidates, entries); kind-specific
    next_index: tuple[tuple[int, ...], ...]

    @classmethod
    def of(cls, problem: Problem) -> Compiled:
        """The problem in the form the search works on: candidate offsets and rule masks."""
        cands = problem.candidates
        off = tuple(problem.after_wake(t) for t in cands)
        unary = []
        for group in problem.groups:
            mask = 0
            if group.kind == "timing" and group.timing is not None:
                timing = group.timing
                mask = sum(1 << i for i, t in enumerate(cands) if not timing_ok(problem, timing, t))
            elif group.kind == "separation" and group.window is not None and group.fixed_minutes:
                mask = sum(1 << i for i, t in enumerate(cands) if fixed_breaks(problem, group, t))
            unary.append((mask, group.subject_entries))
        next_index = tuple(tuple(bisect.bisect_left(off, o + s.gap) for o in off) for s in problem.entries)
        return cls(problem, off, tuple(unary), next_index)


def _low_bits(mask: int, count: int) -> Iterator[int]:
    while mask and count:
        low = mask & -mask
        yield low.bit_length() - 1
        mask ^= low
        count -= 1


class Search:
    """One search over a :class:`Problem`.

    ``lateness=False`` ignores the last criterion (ties are then cut at
    once). ``hard`` makes it a feasibility test: only those groups count, none
    may break, and the first timetable found is returned.
    """

    def __init__(
        self,
        compiled: Compiled,
        prefer: str,
        *,
        hard: frozenset[int] | None = None,
        lateness: bool = True,
        budget: int | None = None,
    ) -> None:
        self.budget = WORK_BUDGET if budget is None else budget
        problem = compiled.problem
        self.compiled = compiled
        self.problem = problem
        self.own_first = prefer == "own_times"
        self.feasibility = hard is not None
        self.with_lateness = lateness and not self.feasibility
        cands = problem.candidates
        self.full = (1 << len(cands)) - 1
        self.off = compiled.off
        count = len(problem.entries)
        self.unary: list[list[tuple[int, int]]] = [[] for _ in range(count)]  # (group, bad candidates)
        self.binary: list[list[tuple[int, int, tuple[int, ...]]]] = [[] for _ in range(count)]  # (group, other, table)
        self.per_dose: list[list[tuple[int, int, float, float]]] = [[] for _ in range(count)]
        self.weight: dict[int, int] = {}
        self.pd_count = 0
        for g, group in enumerate(problem.groups):
            if group.unplannable is None and group.always_broken is None and (hard is None or g in hard):
                self._add_group(g)
        self.unary_bits = [sum(1 << g for g, _ in self.unary[e]) for e in range(count)]
        self.group_bits = [
            self.unary_bits[e]
            | self._or(1 << g for g, _, _ in self.binary[e])
            | self._or(1 << g for g, *_ in self.per_dose[e])
            for e in range(count)
        ]
        self.lightest = [
            min((self.weight[g] for g in range(len(problem.groups)) if self.group_bits[e] >> g & 1), default=1)
            for e in range(count)
        ]
        self.unary_bad = [self._or(m for _, m in self.unary[e]) for e in range(count)]
        self.unary_good = [self.full & ~bad for bad in self.unary_bad]
        self.binary_bits = [self._or(1 << g for g, _, _ in self.binary[e]) for e in range(count)]
        index = {t: i for i, t in enumerate(cands)}
        entries = problem.entries
        self.doses = [s.doses for s in entries]
        self.gap = [s.gap for s in entries]
        self.user_count = [len(s.user) for s in entries]
        self.user_mask = [sum(1 << index[u] for u in set(s.user) if u in index) for s in entries]
        # The user's times of an entry from each candidate on.
        self.user_from = [[(user >> k).bit_count() for k in range(len(cands) + 1)] for user in self.user_mask]
        self.next_index = compiled.next_index
        self.static_lateness = [sum(self.off[0] + m * s.gap for m in range(s.doses)) for s in entries]
        self.static_moves = [
            max(0, len(s.user) - min(s.doses, self.user_mask[e].bit_count())) for e, s in enumerate(entries)
        ]
        # Entries linked to others first, fail first (fewest times that break nothing on their own); entries
        # bound only to the clock or to nothing come last, when the times in use are known.
        self.order = sorted(
            range(count),
            key=lambda e: (
                not (self.binary[e] or self.per_dose[e]),
                not self.unary[e],
                self.unary_good[e].bit_count(),
                -len({b for _, b, _ in self.binary[e]}),
                -self.doses[e],
                e,
            ),
        )
        self.twin = self._twins()
        # A feasibility test need not place entries that none of its groups touch: any times do for them.
        placed = [e for e in self.order if self.group_bits[e] or not self.feasibility]
        self.positions = [(e, j) for e in placed for j in range(self.doses[e])]
        self.pending = [tuple(dict.fromkeys(e for e, _ in self.positions[p:])) for p in range(len(self.positions) + 1)]
        # Placing a dose of an entry changes what is open only to these entries (itself, its partners, those
        # sharing a per-dose limit, a later twin); the others' share of the bound is the same for every value
        # tried at a position, as long as the broken groups are.
        slots_of = [{s for _, s, _, _ in self.per_dose[e]} for e in range(count)]
        touches = [
            {e} | {other for _, other, _ in self.binary[e]} | {f for f in range(count) if slots_of[f] & slots_of[e]}
            for e in range(count)
        ]
        for f, twin in enumerate(self.twin):
            if twin >= 0:
                touches[twin].add(f)
        self.touched_at: list[tuple[int, ...]] = [()]
        self.untouched_at: list[tuple[int, ...]] = [()]
        for p in range(1, len(self.positions) + 1):
            near = touches[self.positions[p - 1][0]]
            self.touched_at.append(tuple(f for f in self.pending[p] if f in near))
            self.untouched_at.append(tuple(f for f in self.pending[p] if f not in near))
        # dynamic state
        self.chosen: list[list[int]] = [[] for _ in range(count)]
        self.tmask = [0] * count
        self.near: list[dict[int, int]] = [{g: 0 for g, _, _ in self.binary[e]} for e in range(count)]
        self.near_any = [0] * count  # every near mask of an entry together, for when none of its groups is broken
        self.amount_at = [[0.0] * len(cands) for _ in range(self.pd_count)]
        self.amount_mask = [0] * self.pd_count
        self.broken = 0
        self.viol = 0
        self.used = [0] * len(cands)
        self.used_mask = 0
        for t in problem.fixed:
            if t in index:
                self.used[index[t]] += 1
                self.used_mask |= 1 << index[t]
        self.distinct = len({t for t in problem.fixed if t not in index}) + self.used_mask.bit_count()
        self.done_moves = 0
        self.lateness = 0
        self.wanted = 0
        # What the last full look of _promising worked out of each entry, for the position it looked at.
        self.handed: dict[int, Known] = {}
        self.nodes = 0
        self.work = 0  # what the budget counts: doses placed, values scored, entries bounded
        self.best_key: Key = _NEVER
        self.best: list[list[int]] | None = None
        self.exhausted = True

    def _twins(self) -> list[int]:
        """For each entry, an earlier entry it can swap times with without changing any score, or -1.

        Such twins (two identical calcium products, say) would make the search try every timetable twice:
        the later twin's first dose is kept no earlier than the earlier twin's.
        """
        groups = self.problem.groups
        seen: dict[object, int] = {}
        out = []
        for e, slots in enumerate(self.problem.entries):
            unary = sorted(
                (str(g), "", 0) if len(groups[g].entries) > 1 else ("", groups[g].rule_id, mask)
                for g, mask in self.unary[e]
            )
            binary = sorted((g, other, id(table)) for g, other, table in self.binary[e])
            per_dose = sorted((g, amount) for g, _, amount, _ in self.per_dose[e])
            signature = (
                slots.doses,
                slots.gap,
                tuple(sorted(slots.user)),
                tuple(unary),
                tuple(binary),
                tuple(per_dose),
            )
            out.append(seen.get(signature, -1))
            seen[signature] = e
        return out

    @staticmethod
    def _or(masks: Iterator[int] | list[int]) -> int:
        out = 0
        for mask in masks:
            out |= mask
        return out

    def _add_group(self, g: int) -> None:
        problem = self.problem
        group = problem.groups[g]
        self.weight[g] = (len(problem.groups) + 1) ** group.severity.rank
        if group.kind == "per_dose":
            s = self.pd_count
            self.pd_count += 1
            for e, amount in group.amounts:
                self.per_dose[e].append((g, s, amount, group.limit * (1 + TOLERANCE)))
        elif group.kind == "timing" or group.fixed_minutes:
            mask, entries = self.compiled.unary[g]
            for e in entries:
                self.unary[e].append((g, mask))
        else:
            assert group.window is not None
            forward, backward = _tables(group.window, problem.candidates)
            for a in group.subject_entries:
                for b in group.partner_entries:
                    self.binary[a].append((g, b, forward))
                    self.binary[b].append((g, a, backward))

    # -- what is open to an entry -----------------------------------------------------------------

    def _hurts(self, e: int) -> list[tuple[int, int]]:
        """(weight, candidates that would break it) for every unbroken group of entry ``e``."""
        broken = self.broken
        out = [(self.weight[g], mask) for g, mask in self.unary[e] if not broken >> g & 1]
        out.extend((self.weight[g], mask) for g, mask in self.near[e].items() if mask and not broken >> g & 1)
        for g, s, amount, limit in self.per_dose[e]:
            if not broken >> g & 1:
                bad = self._over(s, amount, limit)
                if bad:
                    out.append((self.weight[g], bad))
        return out

    def _over(self, s: int, amount: float, limit: float) -> int:
        at = self.amount_at[s]
        bad = 0
        mask = self.amount_mask[s]
        while mask:
            low = mask & -mask
            mask ^= low
            if at[low.bit_length() - 1] + amount > limit:
                bad |= low
        return bad

    def _clean(self, e: int, broken: int) -> int:
        """Candidates where a dose of ``e`` breaks no rule outside ``broken`` (a bit per rule group)."""
        if self.unary_bits[e] & broken:
            mask = self.full
            for g, bad in self.unary[e]:
                if not broken >> g & 1:
                    mask &= ~bad
        else:
            mask = self.unary_good[e]
        if self.binary_bits[e] & broken:
            for g, bad in self.near[e].items():
                if bad and not broken >> g & 1:
                    mask &= ~bad
        else:
            mask &= ~self.near_any[e]
        for g, s, amount, limit in self.per_dose[e]:
            if self.amount_mask[s] and not broken >> g & 1:
                mask &= ~self._over(s, amount, limit)
        return mask

    def _room(self, e: int) -> int:
        """Candidates the next dose of ``e`` may take: its doses go in time order, ``gap`` apart."""
        chosen = self.chosen[e]
        if chosen:
            return self.full & ~((1 << self.next_index[e][chosen[-1]]) - 1)
        twin = self.twin[e]
        if twin >= 0 and self.chosen[twin]:
            return self.full & ~((1 << self.chosen[twin][0]) - 1)
        return self.full

    def _fits(self, e: int, room: int, need: int) -> bool:
        """Whether ``need`` doses of ``e`` fit in ``room``, ``gap`` apart (earliest first is exact)."""
        follow = self.next_index[e]
        while need:
            if not room:
                return False
            i = (room & -room).bit_length() - 1
            need -= 1
            room &= ~((1 << follow[i]) - 1)
        return True

    # -- bounds -----------------------------------------------------------------------------------

    def _promising(self, position: int, limit: Key, level: _Level) -> bool:
        """Whether a lower bound on every completion from ``position`` on is below ``limit``.

        ``level`` is shared by the values tried at the position before.
        """
        fresh: dict[int, Known] = {}
        if not self.feasibility and self.viol >= limit[0] and self._hopeless(position, limit, level, fresh):
            return False
        broken = self.broken
        for e in self.touched_at[position]:
            if e not in fresh:
                fresh[e] = self._known(e, self.doses[e] - len(self.chosen[e]), broken)
        survey = self._survey(position, limit, level, fresh)
        if survey is None:
            return False
        viol, deficit, moves_lb, late_room, pools = survey
        if self.feasibility or viol < limit[0]:
            return True
        distinct = self.distinct + deficit
        if not self.own_first and distinct != limit[1]:
            return distinct < limit[1]
        if deficit:
            return self._ordered(viol, distinct, moves_lb, late_room if self.with_lateness else 0) < limit
        # With no new time needed, a completion no worse in times per day uses only times in use.
        moves_used, late_used = self._within_used(pools)
        return self._ordered(viol, distinct, moves_lb if self.own_first else moves_used, late_used) < limit

    def _ordered(self, viol: int, distinct: int, moves: int, late: int) -> Key:
        """A key in the preference's order."""
        if self.own_first:
            return viol, moves, distinct, late
        return viol, distinct, moves, late

    def _survey(
        self, position: int, limit: Key, level: _Level, fresh: dict[int, Known]
    ) -> tuple[int, int, int, int, list[tuple[int, int, int]]] | None:
        """The bound's look at every unplaced entry, or None when that already reaches ``limit``.

        That is: the weight broken at least, whether a new time is needed, the
        least moves and lateness within the rooms, and (entry, doses left,
        room) of each. It leaves what it worked out in ``self.handed`` and the
        times wanted by the entries that need a new one in ``self.wanted``.
        """
        viol = self.viol
        used = self.used_mask
        broken = self.broken
        doses = self.doses
        chosen_of = self.chosen
        known_of = level.known
        pools = []
        handed: dict[int, Known] = {}
        deficit = 0
        wanted = 0
        moves_lb = self.done_moves  # within the rooms: for fewest_times, only should a new time be needed
        late_room = self.lateness  # should a new time be needed
        must_break = 0  # groups that some entry counted below must break one of
        following = self.positions[position][0] if position < len(self.positions) else -1
        for e in self.pending[position]:
            need = doses[e] - len(chosen_of[e])
            known = fresh.get(e)
            if known is None:  # an untouched entry
                known = known_of.get(e)
                if known is None or known[0] != broken:
                    known = self._known(e, need, broken)
                    known_of[e] = known
            _, room, fits, moves_room, late = known
            if not fits:
                if self.feasibility:
                    return None
                # Entries that can only break disjoint sets of groups each add a broken group.
                open_groups = self.group_bits[e] & ~broken
                if not open_groups & must_break:
                    must_break |= open_groups
                    viol += self.lightest[e]
                    if viol > limit[0]:
                        return None
            if not (room & used if need == 1 else self._fits(e, room & used, need)):
                deficit = 1
                if e != following:
                    wanted |= room
            moves_lb += moves_room
            late_room += late
            pools.append((e, need, room))
            handed[e] = known
        self.wanted = wanted & ~used
        self.handed = handed
        self.work += len(pools)
        return viol, deficit, moves_lb, late_room, pools

    def _within_used(self, pools: list[tuple[int, int, int]]) -> tuple[int, int]:
        """Least moves (for fewest_times) and lateness of the completions that use only the times in use."""
        used = self.used_mask
        off = self.off
        own_first = self.own_first
        with_lateness = self.with_lateness
        moves_lb = self.done_moves
        late = self.lateness
        for e, need, room in pools:
            pool = room & used
            if not own_first:
                user = self.user_mask[e]
                if user:
                    kept = (user & self.tmask[e]).bit_count()
                    moves_lb += max(0, self.user_count[e] - kept - min(need, (user & pool).bit_count()))
                else:
                    moves_lb += self.user_count[e]
            if with_lateness and pool:
                if need == 1:
                    late += off[(pool & -pool).bit_length() - 1]
                else:
                    for i in _low_bits(pool, need):
                        late += off[i]
        return moves_lb, late if with_lateness else 0

    def _hopeless(self, position: int, limit: Key, level: _Level, fresh: dict[int, Known]) -> bool:
        """A quick look at :meth:`_promising` once the broken groups already reach the limit.

        Whether the part that comes next (moves or times a day), which no
        entry can lower, is already over it.

        ``fresh`` gets what is worked out of the touched entries, for the full look.
        """
        broken = self.broken
        doses = self.doses
        chosen_of = self.chosen
        untouched_moves, lacking = self._untouched_sums(position, level)
        used = self.used_mask
        distinct_limit = limit[1]
        if self.own_first:
            moves = self.done_moves + untouched_moves
            for e in self.touched_at[position]:
                if self.user_mask[e]:
                    known = self._known(e, doses[e] - len(chosen_of[e]), broken)
                    fresh[e] = known
                    moves += known[3]
                else:  # as in _known, without working out the room
                    moves += self.user_count[e]
            if moves != limit[1]:
                return moves > limit[1]
            distinct_limit = limit[2]
        if self.distinct + 1 <= distinct_limit:
            return False
        # One more time a day is too many: any entry whose doses do not fit in the times in use settles it.
        if any(not self._fits(e, room & used, need) for e, need, room in lacking):
            return True
        for e in self.touched_at[position]:
            need = doses[e] - len(chosen_of[e])
            found = fresh.get(e)
            room = (found[1] if found is not None else self._open(e, need, broken)[0]) & used
            if not (room if need == 1 else self._fits(e, room, need)):
                return True
        return False

    def _untouched_sums(self, position: int, level: _Level) -> tuple[int, tuple[tuple[int, int, int], ...]]:
        """The untouched entries' least moves within their rooms, and those that do not fit in the times in use.

        Untouched: by the last dose placed. Those that do not fit are given as
        (entry, doses left, room), for the times in use before that dose.
        The same for every value tried at a position while the broken groups are, so kept in ``level``.
        """
        broken = self.broken
        sums = level.sums.get(broken)
        if sums is not None:
            return sums
        known_of = level.known
        moves = 0
        lacking = []
        for e in self.untouched_at[position]:
            need = self.doses[e] - len(self.chosen[e])
            known = known_of.get(e)
            if known is None or known[0] != broken:
                known = self._known(e, need, broken)
                known_of[e] = known
            moves += known[3]
            room = known[1] & level.used
            if not (room if need == 1 else self._fits(e, room, need)):
                lacking.append((e, need, known[1]))
        sums = moves, tuple(lacking)
        level.sums[broken] = sums
        return sums

    def _known(self, e: int, need: int, broken: int) -> Known:
        """What the bound needs of entry ``e`` that depends on its own state and the broken groups only."""
        self.work += 1
        room, fits = self._open(e, need, broken)
        user = self.user_mask[e]
        if user:
            kept = (user & self.tmask[e]).bit_count()
            moves_room = max(0, self.user_count[e] - kept - min(need, (user & room).bit_count()))
        else:
            moves_room = self.user_count[e]
        late_room = 0
        if self.with_lateness and room:
            if need == 1:
                late_room = self.off[(room & -room).bit_length() - 1]
            else:
                for i in _low_bits(room, need):
                    late_room += self.off[i]
        return broken, room, fits, moves_room, late_room

    def _open(self, e: int, need: int, broken: int) -> tuple[int, bool]:
        """The room of ``e`` (:meth:`_room`) where it breaks nothing new, and whether its doses fit there.

        That is the room where it breaks nothing new (:meth:`_clean`) if its
        doses fit there (:meth:`_fits`), else all of it. Room and fit are
        inlined, as it is hot.
        """
        full = self.full
        chosen = self.chosen[e]
        if chosen:
            start = self.next_index[e][chosen[-1]]
            room_all = full >> start << start
        else:
            twin = self.twin[e]
            if twin >= 0 and self.chosen[twin]:
                start = self.chosen[twin][0]
                room_all = full >> start << start
            else:
                room_all = full
        room = room_all & self._clean(e, broken)
        if need == 1:
            if room:
                return room, True
            return room_all, False
        follow = self.next_index[e]
        left = room
        while need:
            if not left:
                return room_all, False
            need -= 1
            start = follow[(left & -left).bit_length() - 1]
            left = left >> start << start
        return room, True

    def _key(self) -> Key:
        late = self.lateness if self.with_lateness else 0
        if self.feasibility:
            return self.viol, 0, 0, 0
        if self.own_first:
            return self.viol, self.done_moves, self.distinct, late
        return self.viol, self.distinct, self.done_moves, late

    # -- search -----------------------------------------------------------------------------------

    def run(self, start: Result | None = None) -> Result | None:
        """Search; ``start`` (a timetable found before) is the one to beat."""
        if start is not None:
            index = {t: i for i, t in enumerate(self.problem.candidates)}
            self.best = [[index[t] for t in sorted(times, key=self.problem.after_wake)] for times in start.times]
            self.best_key = self._key_of(self.best)
        self._descend(0)
        if self.best is None:
            return None
        cands = self.problem.candidates
        times = tuple(tuple(cands[i] for i in chosen) for chosen in self.best)
        return Result(times, self.exhausted, self.nodes, self.work)

    def _key_of(self, chosen: list[list[int]]) -> Key:
        undos = [(e, i, self._place(e, i)) for e, indexes in enumerate(chosen) for i in indexes]
        cands = self.problem.candidates
        self.done_moves = sum(
            moves(s, [cands[i] for i in c]) for s, c in zip(self.problem.entries, chosen, strict=True)
        )
        key = self._key()
        for e, i, undo in reversed(undos):
            self._unplace(e, i, undo)
        self.done_moves = 0
        return key

    def _values(self, position: int, clean: bool, cap: int, most: tuple[int, int]) -> list[Value]:
        """Candidate times for the dose at ``position``, best first: those that break nothing new, or the others.

        Of the others, only those that break at most ``cap`` more (by weight);
        of the first, only those whose next two parts of the value are at most
        ``most`` (lexicographically): the search would stop at the first of the
        rest, as none can beat the best found.
        """
        e, j = self.positions[position]
        room = self._room(e)
        keep = self._clean(e, self.broken) & room
        if not clean:
            if self.feasibility:
                return []
            left, hurt = self._hurt_at(e, room & ~keep, cap)
            return self._scored(e, j, room, left, hurt, (_FAR, _FAR))
        if not self.own_first and most[0] <= 0:
            keep &= self.used_mask  # a new time would be one too many
        if not self.user_mask[e]:
            return self._free_values(keep)
        return self._scored(e, j, room, keep, None, most)

    def _free_values(self, keep: int) -> list[Value]:
        """The values of a dose with nothing to break and nothing to move: by new time, then shared, then time."""
        # The first search tries first a new time that another entry could also use.
        wanted = 0 if self.with_lateness else self.wanted
        used = self.used_mask
        own_first = self.own_first
        values = []
        for group, new_time, shared in (
            (keep & used & wanted, 0, 0),
            (keep & used & ~wanted, 0, 1),
            (keep & ~used & wanted, 1, 0),
            (keep & ~used & ~wanted, 1, 1),
        ):
            while group:
                low = group & -group
                group ^= low
                i = low.bit_length() - 1
                values.append((0, 0, new_time, shared, i) if own_first else (0, new_time, 0, shared, i))
        self.work += len(values)
        return values

    def _hurt_at(self, e: int, left: int, cap: int) -> tuple[int, dict[int, int]]:
        """The candidates in ``left`` where a dose of ``e`` breaks at most ``cap`` (by weight), and what each breaks.

        The first as a mask; the weights in a dict by candidate.
        """
        hurts = self._hurts(e)
        light = []
        for w, bad in hurts:
            if w > cap:
                left &= ~bad  # one group too heavy rules out every candidate that breaks it
            else:
                light.append((w, bad))
        hurt = {}
        rest = left
        while rest:
            low = rest & -rest
            rest ^= low
            hurt[low.bit_length() - 1] = 0
        # A mask at a time: a few integer operations per candidate it holds, not one per candidate and group.
        for w, bad in light:
            mask = bad & left
            while mask:
                low = mask & -mask
                mask ^= low
                hurt[low.bit_length() - 1] += w
        for i, h in hurt.items():
            if h > cap:
                left &= ~(1 << i)
        return left, hurt

    def _scored(
        self, e: int, j: int, room: int, left: int, hurt_at: dict[int, int] | None, most: tuple[int, int]
    ) -> list[Value]:
        """The values of a dose of ``e`` at the candidates in ``left``, sorted; ``hurt_at``: what each breaks.

        Values whose second and third parts are over ``most`` are left out.
        """
        most_b, most_c = most
        need = self.doses[e] - j
        user = self.user_mask[e]
        wanted = 0 if self.with_lateness else self.wanted
        used = self.used_mask
        own_first = self.own_first
        kept = (user & self.tmask[e]).bit_count()
        unkept = self.user_count[e] - kept
        lb_before = max(0, unkept - min(need, (user & room).bit_count()))
        follow = self.next_index[e]
        user_from = self.user_from[e]
        values = []
        while left:
            low = left & -left
            left ^= low
            i = low.bit_length() - 1
            hurt = hurt_at[i] if hurt_at is not None else 0
            new_time = 0 if used & low else 1
            moved = 0
            if user:
                reachable = user_from[follow[i]]
                if reachable > need - 1:
                    reachable = need - 1
                moved = unkept - (1 if user & low else 0) - reachable
                moved = (moved if moved > 0 else 0) - lb_before
            b, c = (moved, new_time) if own_first else (new_time, moved)
            if b > most_b or (b == most_b and c > most_c):
                continue
            values.append((hurt, b, c, 0 if wanted & low else 1, i))
        values.sort()
        self.work += len(values)
        return values

    def _moves_before(self, position: int) -> int:
        e, j = self.positions[position]
        user = self.user_mask[e]
        kept = (user & self.tmask[e]).bit_count()
        return max(0, self.user_count[e] - kept - min(self.doses[e] - j, (user & self._room(e)).bit_count()))

    def _descend(self, position: int) -> bool:
        """Place the dose at ``position`` and onwards; True stops the whole search."""
        if position == len(self.positions):
            return self._complete()
        e, j = self.positions[position]
        need = self.doses[e] - j
        later = self.pending[position + need]
        rest_late = sum(self.static_lateness[f] for f in later) if self.with_lateness else 0
        moves_base = self.done_moves + self._moves_before(position) + sum(self.static_moves[f] for f in later)
        # The second and third parts of the key, in the preference's order, before this dose.
        first, second = (moves_base, self.distinct) if self.own_first else (self.distinct, moves_base)
        spread = self.gap[e] * need * (need - 1) // 2
        wanted = self.wanted
        # Entries the dose placed here does not touch are as the bound just before found them.
        level = _Level(self.used_mask, self.handed)
        self.handed = {}
        for clean in (True, False):
            self.wanted = wanted
            late = self.lateness + rest_late if self.with_lateness else 0
            # Every remaining value breaks one more rule, weighing at least 1.
            if not clean and not self.feasibility and (self.viol + 1, first, second, late) >= self.best_key:
                break
            cap = 0 if self.feasibility else self.best_key[0] - self.viol
            # A value that breaks nothing new beats the best only if its next two parts are no worse than these.
            most = (_FAR, _FAR) if cap or self.feasibility else (self.best_key[1] - first, self.best_key[2] - second)
            for a, b, c, _, i in self._values(position, clean, cap, most):
                limit = (1, 0, 0, 0) if self.feasibility else self.best_key
                if not self.feasibility:
                    if self.with_lateness:
                        late = self.lateness + need * self.off[i] + spread + rest_late
                    if (self.viol + a, first + b, second + c, late) >= limit:
                        break  # values are sorted by this bound
                self.nodes += 1
                self.work += 1
                if self.work > self.budget:
                    self.exhausted = False
                    return True
                if self._try(position, i, limit, level):
                    return True
        return False

    def _complete(self) -> bool:
        """Every dose is placed: keep the timetable if it is the best yet; True stops the whole search."""
        key = self._key()
        if key < self.best_key:
            self.best_key = key
            self.best = [list(c) for c in self.chosen]
        return self.feasibility

    def _try(self, position: int, i: int, limit: Key, level: _Level) -> bool:
        """Place the dose at ``position`` at candidate ``i`` and search on; True stops the whole search."""
        e, j = self.positions[position]
        undo = self._place(e, i)
        done = 0
        if j + 1 == self.doses[e]:
            # as problem.moves(): a user's time kept is one of the entry's times in use
            done = self.user_count[e] - (self.user_mask[e] & self.tmask[e]).bit_count()
            self.done_moves += done
        stop = self._promising(position + 1, limit, level) and self._descend(position + 1)
        self.done_moves -= done
        self._unplace(e, i, undo)
        return stop

    def _place(self, e: int, i: int) -> tuple[int, int, list[tuple[int, int, int, int]]]:
        bit = 1 << i
        broken = undo_broken = self.broken
        viol = undo_viol = self.viol
        weight = self.weight
        for g, mask in self.unary[e]:
            if mask & bit and not broken >> g & 1:
                broken |= 1 << g
                viol += weight[g]
        saved = []
        binary = self.binary[e]
        if binary:
            near_of = self.near
            near_any = self.near_any
            tmask = self.tmask
            for g, other, table in binary:
                near = near_of[other]
                row = table[i]
                saved.append((other, g, near[g], near_any[other]))
                near[g] |= row
                near_any[other] |= row
                if row & tmask[other] and not broken >> g & 1:
                    broken |= 1 << g
                    viol += weight[g]
        for g, s, amount, limit in self.per_dose[e]:
            at = self.amount_at[s]
            if at[i] + amount > limit and not broken >> g & 1:
                broken |= 1 << g
                viol += weight[g]
            at[i] += amount
            self.amount_mask[s] |= bit
        self.broken = broken
        self.viol = viol
        self.chosen[e].append(i)
        self.tmask[e] |= bit
        used = self.used
        if not used[i]:
            self.used_mask |= bit
            self.distinct += 1
        used[i] += 1
        self.lateness += self.off[i]
        return undo_broken, undo_viol, saved

    def _unplace(self, e: int, i: int, undo: tuple[int, int, list[tuple[int, int, int, int]]]) -> None:
        bit = 1 << i
        self.broken, self.viol, saved = undo
        if saved:
            near_of = self.near
            near_any = self.near_any
            for other, g, value, any_value in reversed(saved):
                near_of[other][g] = value
                near_any[other] = any_value
        for _, s, amount, _ in self.per_dose[e]:
            at = self.amount_at[s]
            at[i] -= amount
            if at[i] <= 1e-9:
                at[i] = 0.0
                self.amount_mask[s] &= ~bit
        self.chosen[e].pop()
        self.tmask[e] &= ~bit
        used = self.used
        used[i] -= 1
        if not used[i]:
            self.used_mask &= ~bit
            self.distinct -= 1
        self.lateness -= self.off[i]


def solve(problem: Problem, prefer: str) -> Result:
    """The best timetable for the preference order (``fewest_times`` or ``own_times``).

    The first search settles everything but lateness, cutting ties at once;
    the second starts from its answer and looks only for earlier timetables.
    """
    compiled = Compiled.of(problem)
    search = Search(compiled, prefer, lateness=False)
    first = search.run()
    if first is None:
        # The budget ran out before the search reached any complete timetable
        # (many split doses): start the second search from the earliest timetable
        # that is possible at all, and say the result is not proven best.
        first = Result(earliest_timetable(problem), False, search.nodes, search.work)
    second = Search(compiled, prefer, budget=SOLVE_BUDGET - first.work).run(first)
    assert second is not None
    assert structural_problem(problem, second.times) is None
    optimal = first.optimal and second.optimal
    return Result(second.times, optimal, first.nodes + second.nodes, first.work + second.work)


def earliest_timetable(problem: Problem) -> tuple[tuple[int, ...], ...]:
    """Each entry's doses at the earliest candidate times its dose spacing allows, rules aside."""
    ordered = sorted(problem.candidates, key=problem.after_wake)
    out = []
    for slots in problem.entries:
        chosen: list[int] = []
        for minute in ordered:
            if len(chosen) == slots.doses:
                break
            if not chosen or problem.after_wake(minute) - problem.after_wake(chosen[-1]) >= slots.gap:
                chosen.append(minute)
        out.append(tuple(chosen))
    times = tuple(out)
    problem_text = structural_problem(problem, times)
    if problem_text is not None:
        raise AssertionError(f"no timetable fits the day at all: {problem_text}")  # the gaps are chosen to fit
    return times


def feasible(compiled: Compiled, hard: frozenset[int], budget: int | None = None) -> tuple[bool | None, int]:
    """Whether some timetable keeps every group in ``hard`` (None: gave up), and the work spent to know."""
    search = Search(compiled, "fewest_times", hard=hard, budget=budget)
    if search.run() is not None:
        return True, search.work
    return (False if search.exhausted else None), search.work


def _components(problem: Problem, groups: list[int]) -> list[set[int]]:
    """The groups split into sets that share no entry, directly or through other groups."""
    out: list[tuple[set[int], set[int]]] = []  # (groups, entries)
    for g in groups:
        entries = set(problem.groups[g].entries)
        touching = [c for c in out if c[1] & entries]
        merged = ({g}, entries)
        for c in touching:
            out.remove(c)
            merged = (merged[0] | c[0], merged[1] | c[1])
        out.append(merged)
    return [c[0] for c in out]


def conflicts(problem: Problem, broken: frozenset[int]) -> list[tuple[int, ...]]:
    """For the broken groups of an optimal timetable: minimal sets of groups that cannot all be kept.

    A group no timetable keeps is a set on its own. For another broken group
    ``g``, its component less the other broken groups cannot all be kept
    (else a better timetable would exist), and every minimal conflict inside
    it holds ``g``; the deletion filter finds one, dropping each group in turn
    (least severe first) and leaving it out when the rest still cannot all be
    kept. When the budget runs out, a set found is a conflict, maybe not a
    minimal one.
    """
    groups = problem.groups
    out: list[tuple[int, ...]] = [(g,) for g in sorted(broken) if groups[g].always_broken is not None]
    plannable = [g for g, group in enumerate(groups) if group.unplannable is None and group.always_broken is None]
    compiled = Compiled.of(problem)
    budget = WORK_BUDGET
    for component in _components(problem, plannable):
        for g in sorted(broken & component):
            if budget <= 0 or any(g in found for found in out):
                continue
            hard = sorted(component - (broken - {g}))
            for h in sorted(hard, key=lambda h: (groups[h].severity.rank, h)):
                if budget <= 0:
                    break
                if h == g:
                    continue
                trial = [k for k in hard if k != h]
                answer, used = feasible(compiled, frozenset(trial), budget)
                budget -= used
                if answer is False:
                    hard = trial
            out.append(tuple(hard))
    return out

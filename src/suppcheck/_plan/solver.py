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

from .._rules.dose import TOLERANCE
from .problem import Problem, bad_after, moves, structural_problem, timing_ok

# Doses placed per search before it settles for the best found (the plan then says it is not proven
# optimal). Deterministic, unlike a time limit; about a second of work on a slow machine.
NODE_BUDGET = 30_000
_NEVER = (1 << 62, 1 << 62, 1 << 62, 1 << 62)

Key = tuple[int, int, int, int]


@dataclass(frozen=True, slots=True)
class Result:
    """The timetable found (clock minutes per entry, in entry order) and whether it is proven best."""

    times: tuple[tuple[int, ...], ...]
    optimal: bool
    nodes: int


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
        cands = problem.candidates
        off = tuple(problem.after_wake(t) for t in cands)
        unary = []
        for group in problem.groups:
            mask = 0
            if group.kind == "timing" and group.timing is not None:
                timing = group.timing
                mask = sum(1 << i for i, t in enumerate(cands) if not timing_ok(problem, timing, t))
            elif group.kind == "separation" and group.window is not None and group.medication_minutes:
                bad = bad_after(*group.window)
                minutes = group.medication_minutes
                mask = sum(1 << i for i, t in enumerate(cands) if any(bad[(m - t) % 1440] for m in minutes))
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
        budget: int = NODE_BUDGET,
    ) -> None:
        self.budget = budget
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
        index = {t: i for i, t in enumerate(cands)}
        entries = problem.entries
        self.doses = [s.doses for s in entries]
        self.gap = [s.gap for s in entries]
        self.user_count = [len(s.user) for s in entries]
        self.user_mask = [sum(1 << index[u] for u in set(s.user) if u in index) for s in entries]
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
                (self.full & ~self.unary_bad[e]).bit_count(),
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
        # dynamic state
        self.chosen: list[list[int]] = [[] for _ in range(count)]
        self.tmask = [0] * count
        self.near: list[dict[int, int]] = [{g: 0 for g, _, _ in self.binary[e]} for e in range(count)]
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
        self.nodes = 0
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
        elif group.kind == "timing" or group.medication_minutes:
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

    def _clean(self, e: int) -> int:
        """Candidates where a dose of ``e`` breaks nothing that is not broken already."""
        broken = self.broken
        if self.unary_bits[e] & broken:
            mask = self.full
            for g, bad in self.unary[e]:
                if not broken >> g & 1:
                    mask &= ~bad
        else:
            mask = self.full & ~self.unary_bad[e]
        for g, bad in self.near[e].items():
            if bad and not broken >> g & 1:
                mask &= ~bad
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

    def _promising(self, position: int, limit: Key) -> bool:
        """Whether a lower bound on every completion from ``position`` on is below ``limit``."""
        viol = self.viol
        used = self.used_mask
        pools = []
        deficit = 0
        wanted = 0
        must_break = 0  # groups that some entry counted below must break one of
        following = self.positions[position][0] if position < len(self.positions) else -1
        for e in self.pending[position]:
            need = self.doses[e] - len(self.chosen[e])
            room = self._clean(e) & self._room(e)
            if not self._fits(e, room, need):
                if self.feasibility:
                    return False
                # Entries that can only break disjoint sets of groups each add a broken group.
                open_groups = self.group_bits[e] & ~self.broken
                if not open_groups & must_break:
                    must_break |= open_groups
                    viol += self.lightest[e]
                    if viol > limit[0]:
                        return False
                room = self._room(e)
            if not self._fits(e, room & used, need):
                deficit = 1
                if e != following:
                    wanted |= room
            pools.append((e, need, room))
        self.wanted = wanted & ~used
        if self.feasibility or viol < limit[0]:
            return True
        distinct = self.distinct + deficit
        if not self.own_first and distinct != limit[1]:
            return distinct < limit[1]
        moves_lb = self.done_moves
        late = self.lateness
        for e, need, room in pools:
            # With no new time needed, a completion no worse in times per day uses only times in use.
            pool = room if deficit else room & used
            user = self.user_mask[e]
            if user:
                kept = (user & self.tmask[e]).bit_count()
                reachable = (user & (room if self.own_first else pool)).bit_count()
                moves_lb += max(0, self.user_count[e] - kept - min(need, reachable))
            else:
                moves_lb += self.user_count[e]
            if self.with_lateness:
                for i in _low_bits(pool, need):
                    late += self.off[i]
        if not self.with_lateness:
            late = 0
        if self.own_first:
            return (viol, moves_lb, distinct, late) < limit
        return (viol, distinct, moves_lb, late) < limit

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
        return Result(tuple(tuple(cands[i] for i in chosen) for chosen in self.best), self.exhausted, self.nodes)

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

    def _values(self, position: int, clean: bool) -> list[tuple[int, int, int, int, int]]:
        """Candidate times for the dose at ``position``, best first: those that break nothing new, or the others."""
        e, j = self.positions[position]
        need = self.doses[e] - j
        room = self._room(e)
        keep = self._clean(e) & room
        hurts = [] if clean else self._hurts(e)
        user = self.user_mask[e]
        kept = (user & self.tmask[e]).bit_count()
        lb_before = max(0, self.user_count[e] - kept - min(need, (user & room).bit_count()))
        # The first search tries first a new time that another entry could also use.
        wanted = 0 if self.with_lateness else self.wanted
        values = []
        left = keep if clean else room & ~keep
        while left:
            low = left & -left
            left ^= low
            i = low.bit_length() - 1
            hurt = 0
            if not clean:
                if self.feasibility:
                    break
                hurt = sum(w for w, bad in hurts if bad & low)
            new_time = 0 if self.used_mask & low else 1
            moved = 0
            if user:
                later = self.full & ~((1 << self.next_index[e][i]) - 1)
                hit = 1 if user & low else 0
                moved = max(0, self.user_count[e] - kept - hit - min(need - 1, (user & later).bit_count())) - lb_before
            shared = 0 if wanted & low else 1
            if self.own_first:
                values.append((hurt, moved, new_time, shared, i))
            else:
                values.append((hurt, new_time, moved, shared, i))
        values.sort()
        return values

    def _moves_before(self, position: int) -> int:
        e, j = self.positions[position]
        user = self.user_mask[e]
        kept = (user & self.tmask[e]).bit_count()
        return max(0, self.user_count[e] - kept - min(self.doses[e] - j, (user & self._room(e)).bit_count()))

    def _descend(self, position: int) -> bool:
        """Place the dose at ``position`` and onwards; True stops the whole search."""
        if position == len(self.positions):
            key = self._key()
            if key < self.best_key:
                self.best_key = key
                self.best = [list(c) for c in self.chosen]
            return self.feasibility
        e, j = self.positions[position]
        need = self.doses[e] - j
        later = self.pending[position + need]
        rest_late = sum(self.static_lateness[f] for f in later)
        moves_base = self.done_moves + self._moves_before(position) + sum(self.static_moves[f] for f in later)
        gap = self.gap[e]
        wanted = self.wanted
        for clean in (True, False):
            self.wanted = wanted
            if not clean and not self.feasibility:
                # Every remaining value breaks one more rule, weighing at least 1.
                late = self.lateness + rest_late if self.with_lateness else 0
                if self.own_first:
                    floor = (self.viol + 1, moves_base, self.distinct, late)
                else:
                    floor = (self.viol + 1, self.distinct, moves_base, late)
                if floor >= self.best_key:
                    break
            for a, b, c, _, i in self._values(position, clean):
                limit = (1, 0, 0, 0) if self.feasibility else self.best_key
                if not self.feasibility:
                    late = 0
                    if self.with_lateness:
                        late = self.lateness + need * self.off[i] + gap * need * (need - 1) // 2 + rest_late
                    if self.own_first:
                        quick = (self.viol + a, moves_base + b, self.distinct + c, late)
                    else:
                        quick = (self.viol + a, self.distinct + b, moves_base + c, late)
                    if quick >= limit:
                        break  # values are sorted by this bound
                self.nodes += 1
                if self.nodes > self.budget:
                    self.exhausted = False
                    return True
                undo = self._place(e, i)
                done = 0
                if j + 1 == self.doses[e]:
                    done = moves(self.problem.entries[e], [self.problem.candidates[x] for x in self.chosen[e]])
                    self.done_moves += done
                stop = self._promising(position + 1, limit) and self._descend(position + 1)
                self.done_moves -= done
                self._unplace(e, i, undo)
                if stop:
                    return True
        return False

    def _place(self, e: int, i: int) -> tuple[int, int, list[tuple[int, int, int]]]:
        bit = 1 << i
        undo = (self.broken, self.viol)
        for g, mask in self.unary[e]:
            if mask & bit and not self.broken >> g & 1:
                self.broken |= 1 << g
                self.viol += self.weight[g]
        saved = []
        for g, other, table in self.binary[e]:
            near = self.near[other]
            saved.append((other, g, near[g]))
            near[g] |= table[i]
            if table[i] & self.tmask[other] and not self.broken >> g & 1:
                self.broken |= 1 << g
                self.viol += self.weight[g]
        for g, s, amount, limit in self.per_dose[e]:
            at = self.amount_at[s]
            if at[i] + amount > limit and not self.broken >> g & 1:
                self.broken |= 1 << g
                self.viol += self.weight[g]
            at[i] += amount
            self.amount_mask[s] |= bit
        self.chosen[e].append(i)
        self.tmask[e] |= bit
        if not self.used[i]:
            self.used_mask |= bit
            self.distinct += 1
        self.used[i] += 1
        self.lateness += self.off[i]
        return undo[0], undo[1], saved

    def _unplace(self, e: int, i: int, undo: tuple[int, int, list[tuple[int, int, int]]]) -> None:
        bit = 1 << i
        self.broken, self.viol, saved = undo
        for other, g, value in reversed(saved):
            self.near[other][g] = value
        for _, s, amount, _ in self.per_dose[e]:
            at = self.amount_at[s]
            at[i] -= amount
            if at[i] <= 1e-9:
                at[i] = 0.0
                self.amount_mask[s] &= ~bit
        self.chosen[e].pop()
        self.tmask[e] &= ~bit
        self.used[i] -= 1
        if not self.used[i]:
            self.used_mask &= ~bit
            self.distinct -= 1
        self.lateness -= self.off[i]


def solve(problem: Problem, prefer: str) -> Result:
    """The best timetable for the preference order (``fewest_times`` or ``own_times``).

    The first search settles everything but lateness, cutting ties at once;
    the second starts from its answer and looks only for earlier timetables.
    """
    compiled = Compiled.of(problem)
    first = Search(compiled, prefer, lateness=False).run()
    assert first is not None  # any group may break, so some timetable always exists
    second = Search(compiled, prefer).run(first)
    assert second is not None
    assert structural_problem(problem, second.times) is None
    return Result(second.times, first.optimal and second.optimal, first.nodes + second.nodes)


def feasible(compiled: Compiled, hard: frozenset[int], budget: int = NODE_BUDGET) -> tuple[bool | None, int]:
    """Whether some timetable keeps every group in ``hard`` (None: gave up), and the doses placed to know."""
    search = Search(compiled, "fewest_times", hard=hard, budget=budget)
    if search.run() is not None:
        return True, search.nodes
    return (False if search.exhausted else None), search.nodes


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
    budget = NODE_BUDGET
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

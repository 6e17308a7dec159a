"""A reader trying to recover suppressed counts from what a release shows.

Independent of measures.suppression on purpose: it knows only the published text ("<5", "—" or a
number), the sums a reader can see (rows, columns, totals), and that counts are whole numbers.
It lists every assignment of the hidden counts that fits, by backtracking, so any hidden count
with a single possible value is recovered, however the reader would have got there.
"""

from measures.suppression import WITHHELD


def possible_values(published: dict, sums: list, cap: int) -> dict:
    """{hidden key: set of values it can take in some assignment consistent with `published`}."""
    known = {}
    domains = {}
    for key, text in published.items():
        if text.startswith("<"):
            domains[key] = range(0, int(text[1:]))
        elif text == WITHHELD:
            domains[key] = range(int(_limit(published)), cap + 1)
        else:
            known[key] = int(text)
    order = sorted(domains, key=repr)
    seen = {key: set() for key in order}

    def consistent(values):
        for total, parts in sums:
            members = (total, *parts)
            if all(m in values for m in members):
                if values[total] != sum(values[p] for p in parts):
                    return False
            elif total in values and sum(values[p] for p in parts if p in values) > values[total]:
                return False
        return True

    def forced(values):
        """A hidden count that a sum with every other member assigned fixes, and its value."""
        for total, parts in sums:
            missing = [m for m in (total, *parts) if m not in values]
            if len(missing) == 1:
                key = missing[0]
                rest = sum(values[p] for p in parts if p != key)
                return key, (values[total] - rest if key != total else rest)
        return None, None

    def walk(values):
        if len(values) == len(known) + len(order):
            if consistent(values):
                for key in order:
                    seen[key].add(values[key])
            return
        key, value = forced(values)
        candidates = [value] if key is not None else None
        if key is None:
            key = next(k for k in order if k not in values)
            candidates = domains[key]
        for candidate in candidates:
            if candidate not in domains[key]:
                continue
            values[key] = candidate
            if consistent(values):
                walk(values)
            del values[key]

    walk(dict(known))
    return seen


def _limit(published):
    for text in published.values():
        if text.startswith("<"):
            return text[1:]
    return "5"

"""Whole-month periods and the filters every measure may take.

Periods are whole months so that two ranges a reader can ask for differ by whole months too;
the comparison period is the same number of months just before, never overlapping.
"""

import datetime
from dataclasses import dataclass

from django.utils import timezone


def month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def add_months(month: datetime.date, count: int) -> datetime.date:
    year, index = divmod(month.year * 12 + month.month - 1 + count, 12)
    return datetime.date(year, index + 1, 1)


@dataclass(frozen=True)
class Period:
    first: datetime.date  # first day of the first month
    last: datetime.date  # first day of the last month

    @classmethod
    def last_months(cls, count: int, today: datetime.date | None = None) -> "Period":
        last = month_start(today or timezone.localdate())
        return cls(add_months(last, -(count - 1)), last)

    @property
    def months(self) -> int:
        return (self.last.year - self.first.year) * 12 + self.last.month - self.first.month + 1

    @property
    def end(self) -> datetime.date:
        """The first day after the period."""
        return add_months(self.last, 1)

    def previous(self) -> "Period":
        return Period(add_months(self.first, -self.months), add_months(self.first, -1))

    def month_list(self) -> list[datetime.date]:
        return [add_months(self.first, offset) for offset in range(self.months)]

    def start_at(self) -> datetime.datetime:
        return _aware(self.first)

    def end_at(self) -> datetime.datetime:
        return _aware(self.end)

    def dates(self, field: str) -> dict:
        """Filter arguments for a DateField inside the period."""
        return {f"{field}__gte": self.first, f"{field}__lt": self.end}

    def times(self, field: str) -> dict:
        """Filter arguments for a DateTimeField inside the period (local months)."""
        return {f"{field}__gte": self.start_at(), f"{field}__lt": self.end_at()}


def _aware(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time()))


@dataclass(frozen=True)
class Filters:
    team: int | None = None
    pathway: str = ""
    category: str = ""

    def as_params(self) -> dict:
        return {k: v for k, v in (("team", self.team), ("pathway", self.pathway),
                                  ("category", self.category)) if v}

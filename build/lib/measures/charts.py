"""Bar charts drawn on the server as SVG: no script, no inline style, nothing for the CSP to stop.

A chart draws only counts that are shown. A hidden count gets no bar (its label says "<5" or
"—"), so a chart can never say more than the table beside it.
"""

from dataclasses import dataclass

from measures.tables import ShownTable

ROW_HEIGHT = 22
LABEL_WIDTH = 220
BAR_WIDTH = 300
VALUE_WIDTH = 60


@dataclass(frozen=True)
class Bar:
    label: str
    text: str
    y: int
    width: int

    @property
    def text_y(self) -> int:
        return self.y + 15

    @property
    def value_x(self) -> int:
        return LABEL_WIDTH + self.width + 6


@dataclass(frozen=True)
class Chart:
    bars: list[Bar]
    height: int
    width: int = LABEL_WIDTH + BAR_WIDTH + VALUE_WIDTH
    label_width: int = LABEL_WIDTH
    label_x: int = LABEL_WIDTH - 6


def bars(table: ShownTable) -> Chart:
    """One bar per row, as long as the row's total (when the total is shown)."""
    largest = max((row.total.value or 0 for row in table.rows), default=0) or 1
    drawn = []
    for index, row in enumerate(table.rows):
        value = row.total.value
        width = round(BAR_WIDTH * value / largest) if value else 0
        drawn.append(Bar(_short(row.label), row.total.text, index * ROW_HEIGHT, width))
    return Chart(drawn, max(len(drawn), 1) * ROW_HEIGHT)


def _short(label: str, limit: int = 32) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "\u2026"

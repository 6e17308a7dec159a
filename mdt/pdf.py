"""Confidential PDF exports of a meeting's agenda and minutes (reportlab, pure Python).

Every page carries "CONFIDENTIAL" in its header and footer, drawn by the page template so no
page can lack it. Text people wrote is escaped before it reaches reportlab's paragraph markup.
The views log one read entry per case shown.
"""

import io
from xml.sax.saxutils import escape

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from casework.models import Assessment, Case, Pathway
from mdt.models import Attendance

MARKING = gettext_lazy("CONFIDENTIAL")  # in the language of the request that draws it


def _mark_page(canvas, doc) -> None:
    canvas.saveState()
    width, height = A4
    canvas.setFont("Helvetica-Bold", 10)
    canvas.setFillColor(colors.darkred)
    canvas.drawCentredString(width / 2, height - 12 * mm, str(MARKING))
    canvas.drawCentredString(width / 2, 10 * mm, f"{MARKING} · {doc.page}")
    canvas.restoreState()


def _text(value) -> str:
    return escape(str(value or "")).replace("\n", "<br/>")


def _build(title: str, story: list) -> bytes:
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer, pagesize=A4, title=title, author="", subject=str(MARKING),
        topMargin=22 * mm, bottomMargin=20 * mm, leftMargin=18 * mm, rightMargin=18 * mm,
    )
    doc.build(story, onFirstPage=_mark_page, onLaterPages=_mark_page)
    return buffer.getvalue()


def _when(moment) -> str:
    """Every time in a PDF, in the one zone the header names (the deployment's TIME_ZONE)."""
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def _header(meeting, heading: str) -> list:
    styles = getSampleStyleSheet()
    zone = _("All times are in the %(zone)s time zone.") % {
        "zone": timezone.get_current_timezone_name()}
    return [
        Paragraph(_text(heading), styles["Title"]),
        Paragraph(_text(f"{meeting.panel.name} · {_when(meeting.scheduled_for)}"),
                  styles["Normal"]),
        Paragraph(_text(zone), styles["Normal"]),
        Paragraph(_text(_("Confidential: for panel members only. Do not copy or forward.")),
                  styles["Italic"]),
        Spacer(1, 6 * mm),
    ]


def _table(rows: list[list]) -> Table:
    table = Table(rows, repeatRows=1, colWidths=[10 * mm, 28 * mm, 35 * mm, 30 * mm, 71 * mm])
    table.setStyle(TableStyle([
        ("FONT", (0, 0), (-1, 0), "Helvetica-Bold"),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
        ("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke),
    ]))
    return table


def agenda_pdf(meeting, items) -> bytes:
    """The published agenda: per case, reference, person (first name and initials), pathway,
    stage, risk level and why it is on the agenda."""
    styles = getSampleStyleSheet()
    small = styles["BodyText"]
    story = _header(meeting, _("MDT agenda"))
    rows = [[_("#"), _("Case"), _("Person"), _("Stage and risk"), _("Why")]]
    for number, item in enumerate(items, start=1):
        case = item.case
        risk = Assessment.RiskLevel(item.risk).label if getattr(item, "risk", "") else "-"
        rows.append([
            str(number),
            Paragraph(_text(f"{case.reference}\n{Pathway(case.pathway).label}"), small),
            Paragraph(_text(f"{case.person.first_name} ({case.person.initials})"), small),
            Paragraph(_text(f"{Case.Stage(case.stage).label}\n{_('Risk')}: {risk}"), small),
            Paragraph(_text("; ".join(item.reason_labels) + "\n" + item.detail), small),
        ])
    story.append(_table(rows))
    return _build(_("MDT agenda"), story)


def _member(user) -> str:
    return user.get_full_name() or user.get_username()


def conflict_line(declaration) -> str:
    item = declaration.item
    return _("%(member)s on item %(number)s (%(reference)s), declared %(when)s") % {
        "member": _member(declaration.user), "number": item.order,
        "reference": item.case.reference, "when": _when(declaration.declared_at),
    }


def minutes_pdf(meeting, sections, members, attendance, annotations, *, conflicts=()) -> bytes:
    """The minutes: attendance, the conflicts of interest declared, each item's decision,
    rationale, actions and minutes, the general notes, and any annotations added after
    finalisation. `sections` are mdt.selectors.minutes_sections for the reader: an item they
    declared a conflict on says only that, and nothing of it reaches the file."""
    styles = getSampleStyleSheet()
    body, heading = styles["BodyText"], styles["Heading2"]
    minutes = meeting.minutes
    story = _header(meeting, _("MDT minutes"))
    status = (
        _("Finalised %(when)s.") % {
            "when": _when(minutes.finalised_at)
        }
        if minutes.is_locked else _("DRAFT: not finalised.")
    )
    story.append(Paragraph(_text(status), styles["Normal"]))
    story.append(Paragraph(_text(_("Attendance")), heading))
    for member in members:
        who = _member(member.user)
        state = attendance.get(member.pk)
        label = Attendance.Status(state).label if state else "-"
        story.append(Paragraph(_text(f"{who} ({member.get_role_display()}): {label}"), body))
    story.append(Paragraph(_text(_("Conflicts of interest")), heading))
    for declaration in conflicts:
        story.append(Paragraph(_text(conflict_line(declaration)), body))
    if not conflicts:
        story.append(Paragraph(_text(_("None declared.")), body))
    story.append(Paragraph(_text(_("Items: decisions, actions and minutes")), heading))
    for section in sections:
        item = section.item
        if item is None:
            story.append(Paragraph(_text(_("%(number)s. You declared a conflict of interest on "
                                           "this item: it is not shown.") % {
                "number": section.number}), styles["Heading3"]))
            continue
        decision = getattr(item, "decision", None)
        story.append(Paragraph(_text(f"{section.number}. {item.case.reference}"),
                               styles["Heading3"]))
        if decision is None:
            story.append(Paragraph(_text(_("No decision recorded.")), body))
        else:
            story.append(Paragraph(_text(f"{decision.get_kind_display()}: {decision.rationale}"),
                                   body))
        for action in item.actions.all():
            story.append(Paragraph(_text(
                f"{_('Action')}: {action.description} · {action.owner.get_username()} · "
                f"{action.due_on.isoformat()}"
            ), body))
        written = item.written_minutes
        if written is not None and written.text:
            story.append(Paragraph(_text(f"{_('Minutes')}: {written.text}"), body))
    story.append(Paragraph(_text(_("General notes")), heading))
    story.append(Paragraph(_text(minutes.text or "-"), body))
    if annotations:
        story.append(Paragraph(_text(_("Annotations after finalisation")), heading))
        for annotation in annotations:
            story.append(Paragraph(_text(
                f"{_when(annotation.written_at)} {annotation.author.get_username()}: "
                f"{annotation.text}"
            ), body))
    return _build(_("MDT minutes"), story)

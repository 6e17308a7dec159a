"""The subject access export as a PDF (reportlab, as the MDT's agenda and minutes: mdt/pdf.py).

Every page carries "CONFIDENTIAL" and the request's reference in its header and footer, drawn
by the page template so no page can lack it. Text people wrote is escaped before it reaches
reportlab's paragraph markup. The PDF shows what the JSON holds (selectors.export_for).
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

MARKING = gettext_lazy("CONFIDENTIAL")


def _text(value) -> str:
    return escape(str(value if value is not None else "")).replace("\n", "<br/>")


def _grid(rows, widths) -> Table:
    table = Table(rows, colWidths=widths, repeatRows=0)
    table.setStyle(TableStyle([
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
    ]))
    return table


def export_pdf(export) -> bytes:
    """Render `export` (selectors.Export): the request, each record type with its purpose,
    legal basis and retention and every row, the disclosures, and who accessed the record."""
    styles = getSampleStyleSheet()
    body, small = styles["BodyText"], styles["BodyText"]
    data = export.data
    reference = data["request"]["reference"]

    def mark(canvas, doc):
        canvas.saveState()
        width, height = A4
        canvas.setFont("Helvetica-Bold", 10)
        canvas.setFillColor(colors.darkred)
        canvas.drawCentredString(width / 2, height - 12 * mm, f"{MARKING} · {reference}")
        canvas.drawCentredString(width / 2, 10 * mm, f"{MARKING} · {doc.page}")
        canvas.restoreState()

    def para(value, style=body):
        return Paragraph(_text(value), style)

    story = [
        para(_("Subject access export"), styles["Title"]),
        para(_("Everything this service holds about the person %(person)s, for request "
               "%(request)s.") % {"person": data["person"]["reference"], "request": reference}),
        para(_("Generated %(when)s by %(who)s; approved by %(approver)s. All times are in the "
               "%(zone)s time zone.") % {
            "when": data["generated_at"], "who": data["generated_by"],
            "approver": data["request"]["approved_by"],
            "zone": timezone.get_current_timezone_name()}),
        Spacer(1, 4 * mm),
        para(_("Records held"), styles["Heading1"]),
    ]
    for section in export.sections:
        story.append(para(f"{section.title} ({len(section.rows)})", styles["Heading2"]))
        story.append(para(f"{_('Why it is held')}: {section.purpose}", small))
        story.append(para(f"{_('Legal basis')}: {section.basis}", small))
        story.append(para(f"{_('How long it is kept')}: {section.retention}", small))
        if not section.rows:
            story.append(para(_("None held.")))
        for number, shown in enumerate(section.displayed, start=1):
            story.append(para(f"{section.title} {number}", styles["Heading4"]))
            story.append(_grid([[para(label), para(value)] for label, value in shown],
                               [50 * mm, 124 * mm]))
    story.append(para(_("Disclosures to service providers"), styles["Heading1"]))
    if not export.disclosures:
        story.append(para(_("Nothing was shared with a service provider.")))
    for item in export.disclosures:
        story.append(para(f"{item['referral']}: {item['organization']} · {item['service']}",
                          styles["Heading3"]))
        rows = [
            [para(_("Sent")), para(f"{item['sent_at']} · {item['sent_by']}")],
            [para(_("Status")), para(item["status_label"])],
        ]
        for shared in item["shared"]:
            rows.append([para(f"{_('Shared')}: {shared['label']}"), para(shared["value"])])
        consents = "; ".join(
            _("consent %(id)s given %(given)s, wording %(wording)s") % {
                "id": c["consent"], "given": c["given_on"], "wording": c["wording"] or "-"}
            for c in item["consents"]) or "-"
        rows.append([para(_("Under consent")), para(consents)])
        story.append(_grid(rows, [50 * mm, 124 * mm]))
        if item["notice"]:
            story.append(para(item["notice"], styles["Italic"]))
    story.append(para(_("Who accessed the record"), styles["Heading1"]))
    if not export.accesses:
        story.append(para(_("No reads are on the record.")))
    else:
        rows = [[para(_("When")), para(_("Who")), para(_("Record")), para(_("What"))]]
        for read in export.accesses:
            what = " · ".join(part for part in (read["part"], read["detail"], read["relation"])
                              if part)
            rows.append([para(read["at"]), para(read["by"]), para(read["record"]), para(what)])
        story.append(_grid(rows, [42 * mm, 40 * mm, 32 * mm, 60 * mm]))

    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer, pagesize=A4, title=_("Subject access export"), author="",
        subject=str(MARKING), topMargin=22 * mm, bottomMargin=20 * mm, leftMargin=18 * mm,
        rightMargin=18 * mm,
    )
    doc.build(story, onFirstPage=mark, onLaterPages=mark)
    return buffer.getvalue()

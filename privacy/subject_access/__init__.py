"""Subject access: a person's request for everything held about them (GDPR / UK GDPR Art. 15).

A privacy officer opens the request (models.SubjectAccessRequest) for a person found with the
case search, noting how the requester's identity was checked and why; a second, different
privacy officer approves or declines it; once approved, either of the two downloads the export
(selectors.export_for: every record the data inventory links to the person, the disclosures to
providers and who accessed the record) as PDF or JSON, generated at each download and never
stored. docs/privacy.md, "Subject access".
"""

"""Helpers shared by the referral tests."""


def decision_data(decision: str, status: str = "new", **fields) -> dict:
    """A screening POST: the decision, the status the screener saw, and prefixed fields."""
    data = {"decision": decision, f"{decision}-expected_status": status}
    data.update({f"{decision}-{name}": value for name, value in fields.items()})
    return data

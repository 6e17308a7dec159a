"""Scheduled audit-integrity work (CELERY_BEAT_SCHEDULE in settings): the sequencer's sweep
every few seconds, anchors every few minutes, a daily verification that alerts on failure."""

import logging

from celery import shared_task

from audit import anchors, chain, events, sequencer

alerts = logging.getLogger("audit.alerts")


def alert(result: chain.VerifyResult) -> None:
    """The alert hook: one ERROR on the audit.alerts logger, positions and counts only (the
    problem text never carries entry content). Route that logger to whoever is on call."""
    alerts.error(
        "Audit log verification FAILED at seq %s after %s good entries: %s",
        result.first_bad_seq,
        result.checked,
        result.problem,
    )
    # On the record as well (a failed chain still takes new entries): positions, never content.
    events.record(events.AUDIT_VERIFY_FAILED, reference="audit chain",
                  first_bad_seq=result.first_bad_seq, checked=result.checked)


@shared_task
def seal_audit_log() -> int:
    """Seal what the after-commit nudges left (a crashed process, a lost race)."""
    return sequencer.sweep().sealed


@shared_task
def record_audit_anchor() -> dict:
    sequencer.seal()  # anchor what has committed, not only what happens to be sealed
    try:
        anchor = anchors.record_anchor()
    except Exception as error:
        events.record(events.AUDIT_ANCHOR_FAILED, reference="audit chain",
                      error=type(error).__name__)
        raise
    return {"seq": anchor.seq, "at": anchor.at}


@shared_task
def verify_audit_log() -> bool:
    try:
        result, _ = chain.run_verification()
    except Exception as error:
        # A verifier that cannot run (database down, key missing) must not go unnoticed either.
        problem = f"the verifier could not run: {type(error).__name__}"
        alert(chain.VerifyResult(ok=False, checked=0, problem=problem))
        raise
    if not result.ok:
        alert(result)
    return result.ok

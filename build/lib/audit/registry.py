"""Register models with django-auditlog so that no personal data reaches the log.

Encrypted fields are masked completely (the log shows that they changed, never the value) and
blind indexes are left out, since a keyed hash of a name is still a handle on a person.
"""

from auditlog.registry import auditlog

from casework.crypto import EncryptedField

MASK = "[encrypted]"


def mask_completely(value: str) -> str:
    return MASK


def audited(model=None, *, exclude: tuple[str, ...] = (), m2m: tuple[str, ...] = ()):
    """Class decorator: register `model` with auditlog, masking encrypted fields."""

    def register(cls):
        fields = cls._meta.local_fields
        masked = [f.name for f in fields if isinstance(f, EncryptedField)]
        excluded = [f.name for f in fields if f.name.endswith("_index")] + list(exclude)
        auditlog.register(
            cls,
            mask_fields=masked,
            mask_callable="audit.registry.mask_completely",
            exclude_fields=excluded,
            m2m_fields=set(m2m),
        )
        return cls

    return register(model) if model is not None else register

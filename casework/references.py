"""Record references: a prefix and eight characters, such as C-7KQ2M9XD.

Crockford base32 without look-alikes (no I, L, O, U): references are read aloud on the phone.
Each model's default (casework.models.new_case_reference, referrals.models.new_referral_reference
and the like) is a named function over this one, because migrations name those functions.
"""

import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_reference(prefix: str) -> str:
    return prefix + "-" + "".join(secrets.choice(ALPHABET) for _ in range(8))

"""A small table of common English and Spanish nicknames, for duplicate detection.

Each group lists a given name first, then the short forms people go by. A referral for "Bill"
and a record for "William" then meet on the same keyed nickname code (casework.name_keys).
Keep it small and unambiguous: a short form that belongs to two groups ("Al", "Chris") is left
out, so it can never join two different given names.
"""

GROUPS = (
    ("alexander", "alex", "sandy", "xander"),
    ("andrew", "andy", "drew"),
    ("anthony", "tony"),
    ("benjamin", "ben", "benny"),
    ("catherine", "cathy", "kate", "katie", "kathy", "katherine", "kathryn"),
    ("charles", "charlie", "chuck"),
    ("daniel", "dan", "danny"),
    ("david", "dave", "davey"),
    ("deborah", "debbie", "deb"),
    ("edward", "ed", "eddie", "ted", "teddy"),
    ("elizabeth", "liz", "lizzie", "beth", "betty", "eliza", "libby"),
    ("francisco", "paco", "pancho", "frank"),
    ("gregory", "greg"),
    ("guadalupe", "lupe", "lupita"),
    ("james", "jim", "jimmy", "jamie"),
    ("jennifer", "jen", "jenny"),
    ("jessica", "jess", "jessie"),
    ("john", "jack", "johnny"),
    ("jose", "pepe", "chepe"),
    ("joseph", "joe", "joey"),
    ("kenneth", "ken", "kenny"),
    ("margaret", "maggie", "meg", "peggy", "margie"),
    ("matthew", "matt"),
    ("michael", "mike", "mikey", "mick"),
    ("nicholas", "nick", "nicky"),
    ("patricia", "pat", "patty", "trish"),
    ("rebecca", "becky", "becca"),
    ("richard", "rick", "ricky", "dick", "rich"),
    ("robert", "bob", "bobby", "rob", "robbie", "bert"),
    ("samantha", "sam", "sammy"),
    ("stephen", "steve", "steven", "stevie"),
    ("susan", "sue", "suzy", "susie"),
    ("thomas", "tom", "tommy"),
    ("timothy", "tim", "timmy"),
    ("victoria", "vicky", "tori"),
    ("william", "will", "bill", "billy", "willy", "liam"),
)

_CANONICAL = {name: group[0] for group in GROUPS for name in group}


def canonical(first_name: str) -> str:
    """The given name a (normalised, lower-case) first name is short for, or the name itself."""
    return _CANONICAL.get(first_name, first_name)

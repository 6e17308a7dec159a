"""Keep the Spanish catalog in step with the source: extract, merge, compile, list what is missing.

The translations themselves live in `locale/es/translations.json` (msgid -> msgstr; a plural
entry is keyed by its singular msgid and holds [singular, plural]). The .po file is generated:
makemessages extracts every marked string, this command fills each entry from the JSON file
(an entry the JSON does not translate stays empty, never fuzzy), and the .mo is compiled from
it with polib, so neither GNU gettext nor a build step is needed where the app runs.
See docs/i18n.md.
"""

import json
import re
import tempfile
from pathlib import Path

import polib
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.core.management.commands import makemessages

LANGUAGE = "es"
# What makemessages must not read: the tests (their strings are not shown to users), the docs,
# local data, collected static files, and the catalogs themselves.
IGNORE = ["tests/*", "docs/*", "var/*", "staticfiles/*", "locale", "node_modules/*"]
PLACEHOLDER = re.compile(r"%(?:\([^)]+\))?[-#0 +]*\d*(?:\.\d+)?[sdifr%]|\{[^{}]*\}")


def locale_dir() -> Path:
    return Path(settings.LOCALE_PATHS[0])


def po_path(base: Path | None = None) -> Path:
    return (base or locale_dir()) / LANGUAGE / "LC_MESSAGES" / "django.po"


def mo_path() -> Path:
    return po_path().with_suffix(".mo")


def source_path() -> Path:
    return locale_dir() / LANGUAGE / "translations.json"


def key(entry: polib.POEntry) -> str:
    """The JSON key of an entry: its msgid, after its context and EOT when it has one."""
    return f"{entry.msgctxt}\x04{entry.msgid}" if entry.msgctxt else entry.msgid


def load_source() -> dict:
    path = source_path()
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


class _ExtractInto(makemessages.Command):
    """makemessages, writing every file's strings to one given locale dir.

    makemessages sends each file's strings to the locale dir nearest it (here always the
    project's), so an extraction into a scratch dir has to say so after it has looked.
    """

    def __init__(self, into: Path):
        super().__init__()
        self.into = str(into)

    def find_files(self, root):
        self.locale_paths = [self.into]
        self.default_locale_path = self.into
        return super().find_files(root)


def extract(into: Path) -> Path:
    """Run makemessages over the project into the locale dir `into`; return its .po file.

    Run from the project's root (manage.py's directory), as makemessages reads the tree below
    the current directory.
    """
    (into / LANGUAGE / "LC_MESSAGES").mkdir(parents=True, exist_ok=True)
    call_command(_ExtractInto(into), locale=[LANGUAGE], ignore_patterns=IGNORE,
                 no_obsolete=True, add_location="file", verbosity=0)
    return po_path(into)


def placeholders(text: str) -> list[str]:
    return sorted(PLACEHOLDER.findall(text))


def problems(entry: polib.POEntry) -> list[str]:
    """What is wrong with an entry's translation: missing, or placeholders not kept."""
    translated = list(entry.msgstr_plural.values()) if entry.msgid_plural else [entry.msgstr]
    if not all(text.strip() for text in translated) or entry.fuzzy:
        return ["no Spanish translation"]
    found = []
    wanted = placeholders(entry.msgid)
    wanted_plural = placeholders(entry.msgid_plural) if entry.msgid_plural else wanted
    for index, text in enumerate(translated):
        has = placeholders(text)
        # A singular form may leave out the count ("Un caso" for "%(count)s case").
        expected = wanted_plural if index else wanted
        if has != expected and not (index == 0 and entry.msgid_plural
                                    and set(has) <= set(wanted_plural)):
            found.append(f"placeholders {has} instead of {expected}")
    return found


def fill(po: polib.POFile, source: dict) -> list[polib.POEntry]:
    """Fill every entry from the source; return the entries it has no translation for."""
    missing = []
    for entry in po:
        value = source.get(key(entry))
        entry.flags = [flag for flag in entry.flags if flag != "fuzzy"]
        entry.previous_msgid = entry.previous_msgid_plural = entry.previous_msgctxt = None
        if entry.msgid_plural:
            forms = value if isinstance(value, list) and all(value) else ["", ""]
            entry.msgstr_plural = {0: forms[0], 1: forms[1]}
        else:
            entry.msgstr = value if isinstance(value, str) else ""
        if problems(entry):
            missing.append(entry)
    return missing


def catalog_of_po(po: polib.POFile) -> dict:
    """What gettext would read from the compiled file: {msgid or (msgid, n): msgstr}."""
    catalog = {}
    for entry in po.translated_entries():
        msgid = key(entry)
        if entry.msgid_plural:
            for n, text in entry.msgstr_plural.items():
                catalog[(msgid, int(n))] = text
        else:
            catalog[msgid] = entry.msgstr
    return catalog


class Command(BaseCommand):
    help = ("Re-extract the marked strings into locale/es/LC_MESSAGES/django.po, fill it from "
            "locale/es/translations.json, compile django.mo, and list the msgids that still "
            "have no Spanish translation. --add-missing puts those into the JSON file with "
            "empty values, ready to be translated; --check changes nothing and fails if "
            "anything is missing or out of date.")

    def add_arguments(self, parser):
        parser.add_argument("--add-missing", action="store_true",
                            help="Add each untranslated msgid to translations.json with \"\".")
        parser.add_argument("--prune", action="store_true",
                            help="Drop the msgids the source no longer has from translations.json.")
        parser.add_argument("--check", action="store_true",
                            help="Write nothing; exit non-zero when a translation is missing "
                                 "or the committed catalog is not in step with the source.")

    def handle(self, *args, add_missing, prune, check, **options):
        source = load_source()
        with tempfile.TemporaryDirectory() as tmp:
            po = polib.pofile(str(extract(Path(tmp))), wrapwidth=100)
        po.header = ("Spanish translations of the casework system.\n"
                     "Generated by `manage.py translations` from translations.json: edit that "
                     "file, not this one (docs/i18n.md).")
        po.metadata_is_fuzzy = False
        po.metadata = {
            "Project-Id-Version": "casework",
            "Language": LANGUAGE,
            "MIME-Version": "1.0",
            "Content-Type": "text/plain; charset=UTF-8",
            "Content-Transfer-Encoding": "8bit",
            "Plural-Forms": "nplurals=2; plural=(n != 1);",
        }
        missing = fill(po, source)
        for entry in missing:
            text = entry.msgid.replace("\n", "\\n")
            where = entry.occurrences[0][0] if entry.occurrences else "?"
            self.stdout.write(f"  {where}: {text[:100]}  ({'; '.join(problems(entry))})")
        self.stdout.write(f"{len(po) - len(missing)} of {len(po)} msgids translated, "
                          f"{len(missing)} missing.")
        if check:
            committed = polib.pofile(str(po_path())) if po_path().exists() else []
            if {key(e) for e in committed} != {key(e) for e in po}:
                raise CommandError("django.po is not in step with the source: run "
                                   "`manage.py translations` and commit the result.")
            if missing:
                raise CommandError("Some msgids have no Spanish translation (listed above).")
            return
        if add_missing:
            for entry in missing:
                source.setdefault(key(entry), ["", ""] if entry.msgid_plural else "")
        unused = sorted(set(source) - {key(e) for e in po})
        if unused and prune:
            for msgid in unused:
                del source[msgid]
            self.stdout.write(f"Removed {len(unused)} translations the source no longer uses.")
        elif unused:
            self.stdout.write(f"{len(unused)} translations in translations.json are no longer "
                              "used (kept; --prune removes them).")
        source_path().parent.mkdir(parents=True, exist_ok=True)
        source_path().write_text(
            json.dumps(dict(sorted(source.items())), ensure_ascii=False, indent=1) + "\n",
            encoding="utf-8")
        po_path().parent.mkdir(parents=True, exist_ok=True)
        po.save(str(po_path()))
        po.save_as_mofile(str(mo_path()))
        self.stdout.write(f"Wrote {po_path()} and {mo_path()}.")
